#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which bounds how many connections can be open.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit (commonly 1,024 → 524,288 or more) and returns the new soft limit.
    /// Raising it is always allowed; the server uses poll, so descriptors above `FD_SETSIZE` (1,024) work.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: min(limit.rlim_cur, rlim_t(Int32.max)))
    }

    /// Connections the server admits when not configured: the open-file limit less 512 descriptors kept for the
    /// store, outbound HTTP, git and logs, at most 16,384 (about 200 MiB of connection memory), at least 64.
    public static func defaultConnectionLimit(openFiles: Int) -> Int {
        min(16_384, max(64, openFiles - 512))
    }
}
