import Foundation
import SlipwaySubprocess
import Testing

/// An executable of this package, built next to the test bundle.
private func packageBinary(_ name: String) -> String? {
    let candidates = [
        URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent(name).path,
        FileManager.default.currentDirectoryPath + "/.build/debug/" + name,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// The benchmarks are not in the shipped binary: `slipway bench` is an unknown command that points to `slipway-bench`.
@Suite("slipway bench", .enabled(if: packageBinary("slipway") != nil, "the slipway product is not built"))
struct BenchCommandTests {
    @Test(
        "`slipway bench` and `slipway bench-watch` exit 2 with one line pointing to slipway-bench",
        arguments: [
            "bench", "bench-watch",
        ])
    func benchIsNotACommand(_ command: String) throws {
        let result = try Subprocess.run(try #require(packageBinary("slipway")), [command, "--deploys", "3"])
        #expect(result.status == 2)
        #expect(result.stdoutText.isEmpty)
        #expect(
            result.stderrText
                == "slipway: unknown command `\(command)`; the benchmarks are in `slipway-bench` (`make bench`)\n")
    }

    @Test("`slipway help` no longer lists the benchmarks")
    func helpHasNoBench() throws {
        let result = try Subprocess.run(try #require(packageBinary("slipway")), ["help"])
        #expect(result.status == 0)
        #expect(result.stdoutText.contains("check-config"))
        #expect(!result.stdoutText.contains("bench"))
    }
}
