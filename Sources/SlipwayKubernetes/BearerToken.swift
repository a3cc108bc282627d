import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the API bearer token comes from. The token itself never appears in `description` or any log.
///
/// A file token (the in-cluster service account token, which the kubelet rotates) is re-read when the file's
/// modification time changes, at least every `maxAge` seconds, and on demand after a 401.
public final class BearerToken: Sendable, CustomStringConvertible {
    private enum Source: Sendable {
        case none
        case fixed(String)
        case file(path: String, maxAge: Double)
    }

    private struct Cached: Sendable {
        var token: String?
        var modified: timespec?
        var readAt: Double
    }

    private let source: Source
    private let cached = Mutex<Cached?>(nil)

    private init(_ source: Source) { self.source = source }

    /// No token: for API servers reached through an authenticating proxy, or tests.
    public static let none = BearerToken(.none)

    /// A fixed token (e.g. read from the variable named by `kubernetes.tokenEnv`).
    public static func fixed(_ token: String) -> BearerToken { BearerToken(.fixed(token)) }

    /// A token file, re-read when it changes.
    /// - Parameters:
    ///   - path: e.g. `/var/run/secrets/kubernetes.io/serviceaccount/token`.
    ///   - maxAge: Re-read at least this often, in seconds, whatever the modification time says.
    public static func file(_ path: String, maxAge: Double = 60) -> BearerToken {
        BearerToken(.file(path: path, maxAge: maxAge))
    }

    /// The current token, or nil when there is none (or the file cannot be read).
    public func current() -> String? {
        switch source {
        case .none: return nil
        case .fixed(let token): return token
        case .file(let path, let maxAge):
            return cached.withLock { cached in
                let now = Date().timeIntervalSince1970
                let modified = Self.modificationTime(path)
                if let cached, cached.token != nil, now - cached.readAt < maxAge, Self.same(cached.modified, modified) {
                    return cached.token
                }
                let token = (try? String(contentsOfFile: path, encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                cached = Cached(token: token?.isEmpty == false ? token : nil, modified: modified, readAt: now)
                return cached?.token
            }
        }
    }

    /// Whether the token can change while Slipway runs (a file the kubelet rotates).
    public var isRefreshable: Bool {
        if case .file = source { return true }
        return false
    }

    /// Forgets a cached file token so the next call reads the file again (after the API server answered 401).
    public func invalidate() {
        cached.withLock { $0 = nil }
    }

    public var description: String {
        switch source {
        case .none: "no token"
        case .fixed: "fixed token (redacted)"
        case .file(let path, _): "token file \(path)"
        }
    }

    /// Follows symlinks: the kubelet swaps the `..data` link the token path points through.
    private static func modificationTime(_ path: String) -> timespec? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            return info.st_mtimespec
        #else
            return info.st_mtim
        #endif
    }

    private static func same(_ a: timespec?, _ b: timespec?) -> Bool {
        switch (a, b) {
        case (nil, nil): true
        case (let a?, let b?): a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec
        default: false
        }
    }
}
