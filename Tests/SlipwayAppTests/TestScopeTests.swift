import Foundation
import SlipwayHTTP
import SlipwayTesting
import Synchronization
import Testing

/// The scoped harness: whatever the test does, its servers are stopped and its temporary directories removed
/// before the scope returns.
@Suite("Scoped test harness")
struct TestScopeTests {
    struct Boom: Error {}

    /// Whether anything still answers HTTP at `url`.
    static func answers(_ url: String) -> Bool {
        (try? CurlHTTPClient().send(HTTPClientRequest(method: .get, url: url, timeout: 2))) != nil
    }

    @Test("a body that throws: the harness is stopped and its directories are gone when `with` rethrows")
    func throwingBody() async throws {
        let seen = SeenHarness()
        await #expect(throws: Boom.self) {
            try await SlipwayHarness.with { h in
                let urls = [
                    h.baseURL + "/healthz", h.slack.baseURL + "/auth.test",
                    h.kubernetes.baseURL + "/api/v1/namespaces/shop/pods",
                ]
                seen.record(h, urls: urls)
                for url in urls { #expect(Self.answers(url), "\(url) answers inside the scope") }
                throw Boom()
            }
        }
        let (h, urls) = try #require(seen.value)
        #expect(!FileManager.default.fileExists(atPath: h.directory))
        #expect(!FileManager.default.fileExists(atPath: h.git.remote))
        for url in urls { #expect(!Self.answers(url), "\(url) is stopped") }
    }

    @Test("a harness started inside `TestScope.run` is stopped once, even when the test stopped it itself")
    func stopIsIdempotent() async throws {
        let directory = try await TestScope.run { () -> String in
            let h = try SlipwayHarness()
            h.startServices()
            await h.stop()
            return h.directory
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
    }

    @Test("files registered with `removeOnExit` are removed when the scope ends")
    func removeOnExit() async throws {
        let path = NSTemporaryDirectory() + "slipway-scope-" + UUID().uuidString
        try await TestScope.run {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            TestScope.removeOnExit(path)
            #expect(FileManager.default.fileExists(atPath: path))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

/// The harness a scoped body saw and the URLs it served, read after the scope ended.
final class SeenHarness: Sendable {
    private let seen = Mutex<(SlipwayHarness, [String])?>(nil)
    func record(_ h: SlipwayHarness, urls: [String]) { seen.withLock { $0 = (h, urls) } }
    var value: (SlipwayHarness, [String])? { seen.withLock { $0 } }
}
