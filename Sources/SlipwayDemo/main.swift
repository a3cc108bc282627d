import Foundation
import SlipwayApp
import SlipwayTesting

// `slipway-demo [--port N]`: Slipway on loopback with fake Slack, Kubernetes and PagerDuty; reads demo lines from
// standard input (see SlipwayDemo.usage) and prints what Slipway sends to Slack and PagerDuty as it happens.
var arguments = Array(CommandLine.arguments.dropFirst())
var port = 8080
if arguments.first == "--port", arguments.count == 2, let value = Int(arguments[1]), (0...65535).contains(value) {
    port = value
    arguments.removeAll()
}
guard arguments.isEmpty else {
    FileHandle.standardError.write(Data("usage: slipway-demo [--port N]\n".utf8))
    exit(2)
}
let demo: SlipwayDemo
do {
    demo = try SlipwayDemo(port: port) { print("\n" + $0) }
} catch {
    FileHandle.standardError.write(Data("slipway-demo: \(error)\n".utf8))
    exit(1)
}
// Ctrl-C (or SIGTERM) stops the server and fakes and removes the demo's temporary files, as `quit` does. Detached:
// the main thread is busy reading standard input.
Task.detached {
    _ = await UnixSignals.first(of: [.interrupt, .terminate])
    await demo.stop()
    exit(0)
}
print(
    """
    Slipway demo on \(demo.baseURL): the real server, SQLite store and git (a local bare remote), with fake Slack,
    Kubernetes/Flux and PagerDuty. What Slipway posts to Slack and PagerDuty is printed as it happens.

    \(SlipwayDemo.usage)
    """)
while true {
    print("> ", terminator: "")
    fflush(nil)
    guard let line = readLine() else { break }
    let trimmed = line.trimmingCharacters(in: .whitespaces)
    if trimmed == "quit" || trimmed == "exit" { break }
    if trimmed.isEmpty { continue }
    print(await demo.perform(trimmed))
}
await demo.stop()
