#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An object only the current thread sees: POSIX thread-specific data. Foundation's
/// `Thread.current.threadDictionary` (an NSMutableDictionary, bridged on every access) did the same and showed in
/// the profile of every CI webhook's write.
///
/// The object is held unretained: `with(_:_:)` keeps it alive for as long as it is this thread's.
final class ThreadLocalReference<Object: AnyObject>: Sendable {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        let status = pthread_key_create(&key, nil)
        precondition(status == 0, "pthread_key_create failed (\(status)): too many thread-local keys")
        self.key = key
    }

    /// This thread's object, if it has one.
    var value: Object? {
        pthread_getspecific(key).map { Unmanaged<Object>.fromOpaque($0).takeUnretainedValue() }
    }

    /// Runs `body` with `object` as this thread's, then gives the thread back the object it had before.
    func with<T>(_ object: Object, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(object).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return try withExtendedLifetime(object) { try body() }
    }
}
