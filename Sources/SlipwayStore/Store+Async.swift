import DeployCore

extension Store {
    /// Runs `body` in a read-only snapshot on the store's own threads (see `StoreExecutor`).
    /// - Returns: what `body` returns.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreReader) throws -> T) async throws -> T {
        try await executor.run { try self.read(body) }
    }

    /// Runs `body` in one write transaction on the store's own threads (see `StoreExecutor`); the same rules as
    /// the synchronous `write` apply to `body`.
    /// - Returns: what `body` returns.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any StoreWriter) throws -> T) async throws -> T {
        try await executor.run { try self.write(body) }
    }
}
