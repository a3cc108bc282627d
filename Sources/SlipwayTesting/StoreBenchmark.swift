import DeployCore
import Foundation
import SlipwayStore
import Synchronization

/// Throughput of the two paths that matter most, for benchmarks and the store tests. Both write benchmark rows
/// (services named `bench-…`) into the store they are given: point them at a scratch database.
public enum StoreBenchmark {
    /// Runs `count` CI "image built" transactions with distinct idempotency keys, as the webhook handler does:
    /// remember the key, record the image, insert the deploy, append its audit event and queue its Slack message.
    /// - Parameters:
    ///   - store: the store to write to.
    ///   - count: number of transactions.
    ///   - threads: callers writing at once (SQLite serializes them; PostgreSQL overlaps them).
    /// - Returns: transactions per second.
    public static func imageBuiltWritesPerSecond(store: any Store, count: Int, threads: Int = 1) throws -> Double {
        let run = randomRunId()
        let now = Date()
        return try measure(threads: threads, count: count) { index in
            try store.write { writer in try imageBuilt(writer, run: run, index: index, now: now) }
        }
    }

    /// Runs `count` read snapshots of `/status <service>` from `threads` threads at once: for each of the
    /// service's three environments, its record, its lock and its five most recent deploys. Seeds benchmark
    /// environments and deploys first when missing.
    /// - Returns: read transactions per second.
    public static func statusReadsPerSecond(store: any Store, threads: Int, count: Int) throws -> Double {
        try seedStatus(store)
        return try measure(threads: threads, count: count) { index in
            let service = "bench-\(index % serviceCount)"
            try store.read { reader in
                for environment in environmentNames {
                    _ = try reader.environment(service: service, environment: environment)
                    _ = try reader.lock(service: service, environment: environment)
                    _ = try reader.recentDeploys(service: service, environment: environment, limit: 5)
                }
            }
        }
    }

    private static let serviceCount = 10
    private static let environmentNames = ["dev", "staging", "prod"]

    /// One CI webhook's transaction.
    public static func imageBuilt(
        _ writer: any StoreWriter, run: String, index: Int, now: Date, environment: String = "staging"
    ) throws {
        let serial = String(index, radix: 16)
        let sha = run + String(repeating: "0", count: max(0, 32 - serial.count)) + serial
        let service = "bench-\(index % serviceCount)"
        let deployId = "d-\(run)-\(serial)"
        let key = "bench/\(service):\(sha):\(environment)"
        if try writer.rememberIdempotent(key: key, deployId: deployId, now: now, expiresAt: now + 86_400) != nil {
            return
        }
        let author = CommitAuthor(name: "Bench Author", email: "bench@example.com")
        try writer.record(
            BuiltImage(
                service: service, repo: "bench/\(service)", sha: sha, tag: "v1.\(index)-\(run)",
                image: "registry.example.com/\(service):v1.\(index)", author: author, message: "Benchmark commit",
                builtAt: now))
        try writer.insert(
            Deploy(
                id: deployId, service: service, environment: environment, kind: .deploy, source: .ci,
                targetTag: "v1.\(index)-\(run)", sourceCommit: sha, author: author, commitMessage: "Benchmark commit",
                requestedBy: "ci", createdAt: now))
        try writer.append(
            AuditEvent(
                deployId: deployId, service: service, environment: environment, actor: "ci", action: "requested",
                detail: "image v1.\(index) built", origin: "ci", at: now))
        try writer.enqueue(
            OutboxMessage(
                key: "\(deployId):requested:channel", deployId: deployId, target: .channelMessage,
                payload: #"{"channel":"C0DEPLOYS","text":"Deploying bench"}"#, orderingKey: deployId, createdAt: now))
    }

    private static func seedStatus(_ store: any Store) throws {
        let now = Date()
        try store.write { writer in
            guard try writer.environment(service: "bench-0", environment: "prod") == nil else { return }
            let run = randomRunId()
            for service in 0..<serviceCount {
                for environment in environmentNames {
                    try writer.upsert(
                        EnvironmentRecord(
                            service: "bench-\(service)", environment: environment, currentTag: "v1.0",
                            liveTag: "v1.0", updatedAt: now))
                }
            }
            for index in 0..<(serviceCount * 20) {
                try imageBuilt(writer, run: run, index: index, now: now, environment: environmentNames[index % 3])
            }
        }
    }

    /// Eight random hex digits that keep one run's keys apart from another's.
    private static func randomRunId() -> String {
        let value = UInt32.random(in: 0...UInt32.max)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// Runs `work(0..<count)` spread over `threads` threads. - Returns: calls per second.
    public static func measure(threads: Int, count: Int, _ work: @escaping @Sendable (Int) throws -> Void) throws
        -> Double
    {
        let threads = max(1, min(threads, count))
        let failure = Mutex<(any Error)?>(nil)
        let group = DispatchGroup()
        let start = ContinuousClock.now
        for first in 0..<threads {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                var index = first
                while index < count {
                    do {
                        try work(index)
                    } catch {
                        failure.withLock { $0 = $0 ?? error }
                        return
                    }
                    index += threads
                }
            }
            thread.start()
        }
        group.wait()
        let elapsed = ContinuousClock.now - start
        if let error = failure.withLock({ $0 }) { throw error }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Double(count) / max(seconds, 1e-9)
    }
}
