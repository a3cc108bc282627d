import CMalloc

/// glibc's allocator, set up for a long-running server, and its figures for `/metrics`.
///
/// glibc gives each thread that meets contention an arena of its own, up to eight per core: `slipway serve` ends up
/// with about a dozen (HTTP workers, the concurrency pool, libcurl and SQLite callers). Each keeps the free space its
/// threads leave between live blocks, so resident memory crept up for as long as a soak ran (about 75 KiB a
/// minute, all of it free bytes in arenas, none of it trimmable). Two arenas share that slack between the threads:
/// enough for two cores, and the lock an allocation takes is rarely contended at Slipway's request rates.
public enum HeapAllocator {
    /// Arenas `slipway` allows itself unless the environment sets `MALLOC_ARENA_MAX` or the glibc tunable.
    public static let arenas: Int32 = 2

    /// Limits the arenas; call first thing in `main`, before any thread allocates. An operator's own setting
    /// (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES=glibc.malloc.arena_max=N`) wins, as glibc documents.
    /// - Returns: Whether the limit was set here.
    @discardableResult
    public static func configure(environment: [String: String]) -> Bool {
        if environment["MALLOC_ARENA_MAX"] != nil { return false }
        if environment["GLIBC_TUNABLES"]?.contains("glibc.malloc.arena_max") == true { return false }
        return slipway_malloc_set_arena_max(arenas) == 1
    }

    /// `slipway_heap_bytes`: what the allocator holds, in use by live blocks and free for reuse (mallinfo2(3)).
    /// A leak grows `in_use`; fragmentation grows `free`.
    static func render() -> String {
        let info = mallinfo2()
        let inUse = info.uordblks + info.hblkhd
        return """
            # HELP slipway_heap_bytes Memory the C allocator holds: in use by live blocks, or free for reuse.
            # TYPE slipway_heap_bytes gauge
            slipway_heap_bytes{state="in_use"} \(inUse)
            slipway_heap_bytes{state="free"} \(info.fordblks)

            """
    }
}
