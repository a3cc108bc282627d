/// A connection a `ConnectionPool` hands out.
protocol PooledConnection: AnyObject {
    /// Called on checkout: repairs the connection (reconnects) when it broke while idle, or throws.
    func prepareForUse() throws
}
