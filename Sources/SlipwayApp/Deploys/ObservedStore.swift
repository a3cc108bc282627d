import Foundation
import SlipwayStore

/// A store that counts its committed writes, so caches of what the store says know when they are stale.
public final class ObservedStore: Store, @unchecked Sendable {
    private let base: any Store
    private let lock = NSLock()
    private var writes: UInt64 = 0

    public init(_ base: any Store) { self.base = base }

    /// Increases after every write transaction (committed or not).
    public var generation: UInt64 { lock.withLock { writes } }

    public func read<T>(_ body: (any StoreReader) throws -> T) throws -> T { try base.read(body) }

    public func write<T>(_ body: (any StoreWriter) throws -> T) throws -> T {
        defer { lock.withLock { writes &+= 1 } }
        return try base.write(body)
    }
}
