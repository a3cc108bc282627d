/// One database connection as the shared query code sees it. A connection is used by one thread at a time (the
/// stores guarantee that); implementations cache prepared statements by SQL text.
protocol SQLConnection: AnyObject {
    associatedtype Row: SQLRow

    var dialect: SQLDialect { get }

    /// Runs a statement written with `$1`… parameters. - Returns: the number of rows it changed.
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws -> Int

    /// Runs a statement and maps each result row.
    func query<T>(_ sql: String, _ parameters: [SQLValue], _ map: (Row) throws -> T) throws -> [T]

    /// Runs unprepared SQL without parameters (schema changes); it is not cached.
    func executeScript(_ sql: String) throws

    /// Starts a transaction: a snapshot for reads, or one that takes the write lock up front for writes.
    func begin(writable: Bool) throws
    func commit() throws
    /// Rolls back the open transaction, if any; never throws, since it runs while another error is thrown.
    func rollback()
}
