import DeployCore
import Foundation
import SlipwayTesting
import Testing

@testable import SlipwayStore

/// Outbox targets are typed in Swift and stored in the `channel` and `target` columns every version of Slipway has
/// used, so a database written before the typed targets keeps delivering, and a replica of the previous version can
/// deliver what this one queued.
@Suite("Outbox targets in the store")
struct OutboxTargetStorageTests {
    typealias F = StoreFixtures

    /// Every kind of target, with the columns earlier versions wrote for it.
    static let stored: [(target: OutboxTarget, channel: String, column: String)] = [
        (.deployMessage, "slack", "deploy.message"),
        (.directMessage, "slack", "dm"),
        (.channelMessage, "slack", "chat.postMessage"),
        (.ephemeralMessage, "slack", "chat.postEphemeral"),
        (
            .response(ResponseURL("https://hooks.slack.com/commands/T0001/1234/s3cr3t")), "slack_response",
            "https://hooks.slack.com/commands/T0001/1234/s3cr3t"
        ),
        (.pageTrigger, "pagerduty", "trigger"),
        (.pageResolve, "pagerduty", "resolve"),
    ]

    @Test("every target reads back as queued, in the columns earlier versions wrote", arguments: StoreBackend.enabled)
    func roundTrip(_ backend: StoreBackend) throws {
        try backend.withLocation { location throws in
            let store = try location.open()
            for (index, entry) in Self.stored.enumerated() {
                let message = OutboxMessage(
                    key: "typed-\(index)", deployId: "d-1", target: entry.target, payload: #"{"deployId":"d-1"}"#,
                    createdAt: F.at(Double(index)))
                #expect(try store.write { w in try w.enqueue(message) })
                #expect(try store.read { r in try r.outbox(key: message.key) } == message)
                let columns = try location.query(
                    "SELECT channel, target FROM outbox WHERE key = $1", [.text(message.key)])
                #expect(columns == [entry.channel, entry.column], "\(entry.target)")
            }
            let due = try store.read { r in try r.dueOutbox(now: F.at(60), limit: 50) }
            #expect(due.map(\.target) == Self.stored.map(\.target))
        }
    }

    @Test(
        "rows written before typed targets are delivered as before; an unknown one reads back as unrecognized",
        arguments: StoreBackend.enabled)
    func rowsOfEarlierVersions(_ backend: StoreBackend) throws {
        try backend.withLocation { location throws in
            let store = try location.open()
            var rows = Self.stored.map { (channel: $0.channel, column: $0.column) }
            rows.append((channel: "slack", column: "chat.scheduleMessage"))
            rows.append((channel: "carrier_pigeon", column: "https://pigeons.example/loft/s3cr3t"))
            for (index, row) in rows.enumerated() {
                try location.execute(
                    "INSERT INTO outbox (\(StoreRows.outboxColumns)) VALUES (\(StoreRows.placeholders(11)))",
                    [
                        .text("old-\(index)"), .text("d-1"), .text(row.channel), .text(row.column),
                        .text(#"{"deployId":"d-1"}"#), .text("pending"), SQLValue(0), SQLValue(F.at(Double(index))),
                        SQLValue(nil as String?), SQLValue(F.at(Double(index))), SQLValue(nil as String?),
                    ])
            }
            // One row this version does not understand must not stop the others.
            let due = try store.read { r in try r.dueOutbox(now: F.at(60), limit: 50) }
            #expect(due.map(\.key) == rows.indices.map { "old-\($0)" })
            #expect(Array(due.map(\.target).prefix(Self.stored.count)) == Self.stored.map(\.target))
            let unknown = due.suffix(2).map(\.target)
            #expect(
                unknown == [
                    .unrecognized(channel: "slack", target: "chat.scheduleMessage"),
                    .unrecognized(channel: "carrier_pigeon", target: "https://pigeons.example/loft/s3cr3t"),
                ])
            // What /status shows for them names a method, or a URL's host only.
            #expect(unknown.map(\.description) == ["chat.scheduleMessage", "URL at pigeons.example"])
            #expect(unknown.map(\.channel) == [.slack, nil])
        }
    }

    @Test("a response_url never shows in a target's description, debug description or dump")
    func responseURLStaysSecret() {
        let url = "https://hooks.slack.com/actions/T0001/5678/s3cr3t"
        let target = OutboxTarget.response(ResponseURL(url))
        var dumped = ""
        dump(target, to: &dumped)
        for text in ["\(target)", String(reflecting: target), dumped, "\(ResponseURL(url))"] {
            #expect(!text.contains("s3cr3t") && !text.contains("hooks.slack.com/actions"), "\(text)")
        }
        #expect("\(target)" == "response_url")
    }
}

extension StoreLocation {
    /// Runs one statement on a connection of its own, as an earlier version of Slipway would have.
    func execute(_ sql: String, _ parameters: [SQLValue]) throws {
        _ = try connection().execute(sql, parameters)
    }

    /// The first two columns, as text, of the first row `sql` returns.
    func query(_ sql: String, _ parameters: [SQLValue]) throws -> [String?] {
        func firstRow<C: SQLConnection>(_ connection: C) throws -> [String?] {
            try connection.query(sql, parameters) { row in [row.text(at: 0), row.text(at: 1)] }.first ?? []
        }
        switch backend {
        case .sqlite: return try firstRow(SQLiteConnection(path: sqlitePath, readOnly: false, busyTimeout: .seconds(5)))
        case .postgres:
            return try firstRow(
                PostgresConnection(url: postgresURL, endpoint: PostgresEndpoint(connectionString: postgresURL)))
        }
    }

    private func connection() throws -> any SQLConnection {
        switch backend {
        case .sqlite: try SQLiteConnection(path: sqlitePath, readOnly: false, busyTimeout: .seconds(5))
        case .postgres:
            try PostgresConnection(url: postgresURL, endpoint: PostgresEndpoint(connectionString: postgresURL))
        }
    }
}
