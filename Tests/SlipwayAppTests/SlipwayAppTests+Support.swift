import Foundation

/// Whether a PostgreSQL server is configured for tests.
let postgresURL: String? = ProcessInfo.processInfo.environment["SLIPWAY_TEST_DATABASE_URL"]
