// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

// Platforms: Slipway builds and is tested on Linux only (Debian, the Swift 6 toolchain). It imports Glibc, links the
// system libraries below from their Debian packages and uses `Synchronization.Mutex`; it has never been built on
// macOS. SwiftPM cannot name Linux in `platforms`, so none is listed (a macOS port would need macOS 15 for `Mutex`).
let package = Package(
    name: "Slipway",
    products: [
        .executable(name: "slipway", targets: ["Slipway"]),
        .executable(name: "slipway-demo", targets: ["SlipwayDemo"]),
        .executable(name: "slipway-bench", targets: ["SlipwayBench"]),
    ],
    targets: [
        // System libraries: each is imported by exactly one Swift target.
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CLibPQ", pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CYAML", pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(
            name: "CWebSockets", pkgConfig: "libwebsockets",
            providers: [.apt(["libwebsockets-dev"])]),
        // glibc's <malloc.h> (libc6-dev): the allocator's arena limit and figures.
        .systemLibrary(name: "CMalloc"),

        // Layers.
        .target(name: "SlipwayCrypto", dependencies: ["CCrypto"], swiftSettings: strict),
        .target(name: "SlipwayHTTP", dependencies: ["CMicroHTTPD", "CCurl"], swiftSettings: strict),
        .target(name: "DeployCore", swiftSettings: strict),
        .target(
            name: "SlipwaySlack", dependencies: ["SlipwayHTTP", "SlipwayCrypto", "DeployCore"],
            swiftSettings: strict),
        .target(name: "SlipwaySubprocess", swiftSettings: strict),
        .target(name: "SlipwayYAML", dependencies: ["CYAML"], swiftSettings: strict),
        // WebSockets over libwebsockets (Slack Socket Mode's client, and the server the test fake uses).
        .target(name: "SlipwaySocketMode", dependencies: ["CWebSockets"], swiftSettings: strict),
        .target(
            name: "SlipwayGitOps", dependencies: ["DeployCore", "SlipwaySubprocess", "SlipwayYAML"],
            swiftSettings: strict),
        .target(
            name: "SlipwayKubernetes", dependencies: ["SlipwayHTTP", "DeployCore", "SlipwayYAML"],
            swiftSettings: strict),
        .target(name: "SlipwayStore", dependencies: ["CSQLite", "CLibPQ", "DeployCore"], swiftSettings: strict),
        .target(
            name: "SlipwayApp",
            dependencies: [
                "SlipwayHTTP", "SlipwaySlack", "SlipwayCrypto", "DeployCore", "SlipwayGitOps", "SlipwayKubernetes",
                "SlipwayStore", "SlipwaySubprocess", "SlipwaySocketMode", "CMalloc",
            ],
            swiftSettings: strict),
        .executableTarget(name: "Slipway", dependencies: ["SlipwayApp"], swiftSettings: strict),
        .target(
            name: "SlipwayTesting",
            dependencies: [
                "SlipwayHTTP", "SlipwayCrypto", "SlipwaySlack", "DeployCore", "SlipwayApp", "SlipwaySubprocess",
                "SlipwayGitOps", "SlipwayStore", "SlipwaySocketMode",
            ],
            swiftSettings: strict),
        // `make demo`: the real server with the test fakes standing in for Slack, Kubernetes and PagerDuty.
        .executableTarget(name: "SlipwayDemo", dependencies: ["SlipwayTesting", "SlipwayApp"], swiftSettings: strict),
        // `make bench`: the in-process benchmarks, kept out of the shipped `slipway` binary.
        .executableTarget(
            name: "SlipwayBench",
            dependencies: [
                "SlipwayTesting", "SlipwayApp", "SlipwayHTTP", "SlipwayCrypto", "SlipwaySlack", "DeployCore",
                "SlipwayKubernetes", "SlipwayStore", "SlipwaySubprocess",
            ],
            swiftSettings: strict),

        // Tests mirror the source targets.
        .testTarget(name: "SlipwayCryptoTests", dependencies: ["SlipwayCrypto"]),
        .testTarget(name: "SlipwayYAMLTests", dependencies: ["SlipwayYAML"]),
        .testTarget(name: "SlipwayHTTPTests", dependencies: ["SlipwayHTTP", "SlipwayTesting"]),
        .testTarget(name: "DeployCoreTests", dependencies: ["DeployCore", "SlipwayTesting"]),
        .testTarget(name: "SlipwaySlackTests", dependencies: ["SlipwaySlack", "SlipwayTesting"]),
        .testTarget(
            name: "SlipwayGitOpsTests", dependencies: ["SlipwayGitOps", "SlipwayTesting", "SlipwaySubprocess"]),
        .testTarget(name: "SlipwayKubernetesTests", dependencies: ["SlipwayKubernetes", "SlipwayTesting"]),
        .testTarget(name: "SlipwayStoreTests", dependencies: ["SlipwayStore", "SlipwayTesting"]),
        .testTarget(name: "SlipwayAppTests", dependencies: ["SlipwayApp", "SlipwayTesting", "SlipwaySubprocess"]),
        .testTarget(name: "SlipwaySocketModeTests", dependencies: ["SlipwaySocketMode", "SlipwayTesting"]),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz`: the libFuzzer targets (Fuzz/), only when SLIPWAY_FUZZ=1. They are built with
// `-sanitize=fuzzer,address` in a scratch path of their own (.build-fuzz), so ordinary builds never see them.
if Context.environment["SLIPWAY_FUZZ"] == "1" {
    package.products.append(.executable(name: "slipway-fuzz", targets: ["SlipwayFuzz"]))
    package.targets.append(
        .executableTarget(
            name: "SlipwayFuzz", dependencies: ["DeployCore", "SlipwaySlack", "SlipwayGitOps", "SlipwayApp"],
            path: "Fuzz/Sources/SlipwayFuzz", swiftSettings: strict))
}
