import Foundation
import SlipwayCrypto
import SlipwayHTTP
import SlipwaySlack
import SlipwaySubprocess
import SlipwayTesting

/// `slipway-bench soak`: a real `slipway serve` process against the fakes of the tests (Slack, PagerDuty,
/// Kubernetes/Flux, a local bare GitOps remote), driven for a while with a steady mix of signed slash commands,
/// CI image-built webhooks (each an automatic staging deploy) and `/deploy` commands. Every `--sample` seconds it
/// prints the process's resident memory, open file descriptors, outbox depth and deploy counts; at the end, the
/// memory at start, after warm-up and at the end. The fakes run in this process, so their bookkeeping never counts
/// against Slipway's memory.
enum SoakBench {
    struct Sample {
        var elapsed: Double
        var rssKiB: Int
        /// The anonymous part of RSS (`RssAnon`): the heap, thread stacks and other private memory, where a leak
        /// shows. The rest is file-backed (`RssFile`): shared libraries' pages, read in on first use and shared with
        /// every process that maps them.
        var anonymousKiB: Int
        /// The C allocator's live blocks and the free space it keeps between them (`slipway_heap_bytes`): a leak
        /// grows the first, fragmentation the second.
        var heapInUseKiB: Int
        var heapFreeKiB: Int
        /// What SQLite holds of it (`slipway_sqlite_memory_bytes`): page caches fill as the file grows, up to their
        /// configured size.
        var sqliteKiB: Int
        var fds: Int
        var outboxDepth: Int
        var requests: Int
        var deploys: Int
        var succeeded: Int
    }

    static func run(seconds: Int, sampleSeconds: Int, warmUpSeconds: Int, binary: String) async throws {
        let world = try World(binary: binary)
        defer { world.stop() }
        let server = try await world.serve()
        defer {
            server.send(SIGTERM)
            _ = server.waitUntilExit()
        }
        emit(
            "soak: slipway serve pid \(server.pid) on port \(world.port), \(seconds) s, sample every \(sampleSeconds) s"
        )
        emit(
            "   t(s)  RSS(MiB)  anon(MiB)  heap used  heap free  SQLite(MiB)   fds  outbox  requests  deploys  succeeded"
        )
        let start = Date()
        var samples: [Sample] = []
        var requests = 0
        var tick = 0
        var nextSample = 0.0
        var errors = 0
        while Date().timeIntervalSince(start) < Double(seconds) {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= nextSample {
                let sample = world.sample(pid: server.pid, elapsed: elapsed, requests: requests)
                samples.append(sample)
                emit(Self.format(sample))
                nextSample += Double(sampleSeconds)
            }
            guard server.isRunning else { throw SoakError(message: "slipway serve exited during the soak") }
            // Each tick (~0.25 s): four /status commands and a `/deploy help`; every 24th tick (~6 s) a CI webhook
            // (an automatic staging deploy of shop), every 48th a `/deploy` of api to staging. Each deploy posts
            // and updates a channel message, paced at one a second: this keeps the deploy channel busy, not behind.
            for line in ["/status", "/status shop staging", "/status api", "/status stats", "/deploy help"] {
                if (try? world.command(line))?.status != 200 { errors += 1 }
                requests += 1
            }
            if tick % 24 == 0 {
                if (try? world.imageBuilt(service: "shop"))?.status.isSuccess != true { errors += 1 }
                requests += 1
            }
            if tick % 48 == 12 {
                if (try? world.command("/deploy api staging main-\(World.randomHex(7))"))?.status != 200 {
                    errors += 1
                }
                requests += 1
            }
            if tick % 40 == 0 { world.forgetFakeRecords() }
            tick += 1
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        // Let the last deploys settle, then the final sample.
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let last = world.sample(pid: server.pid, elapsed: Date().timeIntervalSince(start), requests: requests)
        samples.append(last)
        emit(Self.format(last))
        let first = samples[0]
        let warm = samples.first { $0.elapsed >= Double(warmUpSeconds) } ?? last
        let afterWarm = samples.filter { $0.elapsed >= warm.elapsed }
        let peak = afterWarm.map(\.rssKiB).max() ?? last.rssKiB
        let anonymousPeak = afterWarm.map(\.anonymousKiB).max() ?? last.anonymousKiB
        emit(
            """
            soak summary: \(requests) requests (\(errors) not answered as expected), \(last.deploys) deploys \
            (\(last.succeeded) succeeded)
              RSS start \(mib(first.rssKiB)) MiB, after warm-up (\(Int(warm.elapsed)) s) \(mib(warm.rssKiB)) MiB, \
            end \(mib(last.rssKiB)) MiB, peak after warm-up \(mib(peak)) MiB; \
            growth after warm-up \(mib(last.rssKiB - warm.rssKiB)) MiB
              anonymous (heap, stacks) start \(mib(first.anonymousKiB)) MiB, after warm-up \(mib(warm.anonymousKiB)) MiB, \
            end \(mib(last.anonymousKiB)) MiB, peak after warm-up \(mib(anonymousPeak)) MiB; growth after warm-up \
            \(mib(last.anonymousKiB - warm.anonymousKiB)) MiB (SQLite's share \(mib(last.sqliteKiB - warm.sqliteKiB)) MiB: \
            \(mib(warm.sqliteKiB)) → \(mib(last.sqliteKiB)) MiB; the allocator's blocks in use \
            \(mib(warm.heapInUseKiB)) → \(mib(last.heapInUseKiB)) MiB, free \(mib(warm.heapFreeKiB)) → \
            \(mib(last.heapFreeKiB)) MiB)
              fds start \(first.fds), after warm-up \(warm.fds), end \(last.fds); \
            outbox depth max \(samples.map(\.outboxDepth).max() ?? 0), end \(last.outboxDepth)
            """)
    }

    /// Writes a line at once (unbuffered), so a soak's progress shows also when its output goes to a file.
    static func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    static func mib(_ kib: Int) -> String { String(Double(kib * 10 / 1024) / 10) }

    static func format(_ s: Sample) -> String {
        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        return pad(String(Int(s.elapsed)), 7) + pad(mib(s.rssKiB), 10) + pad(mib(s.anonymousKiB), 11)
            + pad(mib(s.heapInUseKiB), 11) + pad(mib(s.heapFreeKiB), 11) + pad(mib(s.sqliteKiB), 13)
            + pad(String(s.fds), 6)
            + pad(String(s.outboxDepth), 8) + pad(String(s.requests), 10) + pad(String(s.deploys), 9)
            + pad(String(s.succeeded), 11)
    }

    struct SoakError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The fakes, files and configuration one `slipway serve` runs against.
    final class World {
        let directory: String
        let git: GitFixture
        let slack: FakeSlack
        let pagerDuty: FakePagerDuty
        let kubernetes: FakeKubernetes
        let port: Int
        let configPath: String
        let binary: String
        let environment: [String: String]
        let client = CurlHTTPClient()

        init(binary: String) throws {
            self.binary = binary
            directory = NSTemporaryDirectory() + "slipway-soak-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            git = try GitFixture()
            slack = try FakeSlack(users: ["carol@nortinia.example": "U0CAROL"])
            pagerDuty = try FakePagerDuty()
            kubernetes = try FakeKubernetes(rolloutSteps: 2)
            SlipwayHarness.linkCluster(kubernetes, to: git)
            port = 20_000 + Int.random(in: 0..<20_000)
            configPath = directory + "/slipway.json"
            try SlipwayHarness.writeProcessConfig(
                to: configPath, port: port, kubernetes: kubernetes, git: git, checkout: directory + "/checkout",
                slack: slack, pagerDuty: pagerDuty, store: ["sqlite": ["path": directory + "/slipway.sqlite"]])
            environment = SlipwayHarness.processEnvironment(slack: slack, kubernetes: kubernetes, home: directory)
        }

        /// Starts `slipway serve` and waits for `/ready`.
        func serve() async throws -> Subprocess.Child {
            let child = try Subprocess.start(binary, ["serve", "--config", configPath], environment: environment)
            let ready = HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/ready", timeout: 1)
            for _ in 0..<400 {
                if (try? client.send(ready).status) == 200 { return child }
                guard child.isRunning else { break }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            child.send(SIGKILL)
            _ = child.waitUntilExit()
            throw SoakError(message: "slipway serve did not become ready within 20 s")
        }

        /// Sends a signed slash command.
        func command(_ line: String, user: String = "U0ALICE") throws -> HTTPResponse {
            try client.send(
                SlipwayHarness.signedCommand(
                    line, port: port, user: user, responseURL: slack.responseURL("soak-\(UUID().uuidString.prefix(8))"))
            )
        }

        /// Sends a signed CI image-built webhook for staging with a new tag and commit.
        func imageBuilt(service: String) throws -> HTTPResponse {
            let object: [String: Any] = [
                "repo": "nortinia-ltd/\(service)", "sha": Self.randomHex(40), "tag": "main-\(Self.randomHex(7))",
                "env": "staging", "author": ["name": "Carol", "email": "carol@nortinia.example"],
                "message": "Soak change",
            ]
            let body = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            let signature = "sha256=" + HMAC.sha256Hex(key: SlipwayHarness.webhookSecret, message: body)
            return try client.send(
                HTTPClientRequest(
                    method: .post, url: "http://127.0.0.1:\(port)/api/v1/deploy/image-built",
                    headers: ["X-Slipway-Signature": signature, "Content-Type": "application/json"], body: body,
                    timeout: 10))
        }

        /// The fakes keep every call; forget them so the soak's own memory stays bounded.
        func forgetFakeRecords() {
            slack.clearCalls()
            kubernetes.resetRequests()
        }

        func sample(pid: pid_t, elapsed: Double, requests: Int) -> Sample {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            func kib(_ field: String) -> Int {
                status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
                    .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
                    ?? 0
            }
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
            let metrics =
                (try? client.send(
                    HTTPClientRequest(method: .get, url: "http://127.0.0.1:\(port)/metrics", timeout: 5)))
                .map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            func value(_ name: String, label: String? = nil) -> Int {
                var total = 0.0
                for line in metrics.split(separator: "\n") where line.hasPrefix(name) {
                    let key = line.split(separator: " ").first ?? ""
                    guard key == name || key.hasPrefix(name + "{") else { continue }
                    if let label, !key.contains(label) { continue }
                    total += Double(line.split(separator: " ").last ?? "") ?? 0
                }
                return Int(total)
            }
            return Sample(
                elapsed: elapsed, rssKiB: kib("VmRSS"), anonymousKiB: kib("RssAnon"),
                heapInUseKiB: value("slipway_heap_bytes", label: "in_use") / 1024,
                heapFreeKiB: value("slipway_heap_bytes", label: "\"free\"") / 1024,
                sqliteKiB: value("slipway_sqlite_memory_bytes") / 1024, fds: fds,
                outboxDepth: value("slipway_outbox_pending"),
                requests: requests, deploys: value("slipway_deploys_total"),
                succeeded: value("slipway_deploys_total", label: "succeeded"))
        }

        func stop() {
            slack.stop()
            pagerDuty.stop()
            kubernetes.stop()
            git.remove()
            try? FileManager.default.removeItem(atPath: directory)
        }

        static func randomHex(_ count: Int) -> String {
            String((0..<count).map { _ in "0123456789abcdef".randomElement()! })
        }
    }
}

extension Int {
    fileprivate var isSuccess: Bool { (200..<300).contains(self) }
}
