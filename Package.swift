// swift-tools-version:6.1
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Built-in adapters: every folder of Plugins/ (but `examples`) is a target named
/// `<Folder>Adapter` that depends only on ListeningPostKit, plus what `adapterExtras` adds,
/// and is linked into the executable. A new adapter is a folder here and a line in
/// Sources/listening-post/BuiltinAdapters.swift. `Tests/<Folder>AdapterTests`, if there,
/// becomes its test target (with `Fixtures/` as resources) unless declared below.
let adapterExtras: [String: [Target.Dependency]] = [
    // libcurl (libcurl4-openssl-dev) for IMAP: transport, TLS and login.
    "IMAP": ["CCurl"],
    // swift-subprocess starts and supervises out-of-process adapters.
    "Exec": [.product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system")],
]
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path, isDirectory: &directory) && directory.boolValue
}
let adapters: [(folder: String, target: String)] = ((try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("Plugins").path)) ?? [])
    .filter { $0 != "examples" && !$0.hasPrefix(".") && isDirectory("Plugins/\($0)") }
    .sorted()
    .map { ($0, "\($0)Adapter") }
let explicitTestTargets: Set<String> = ["WebhookAdapterTests", "SMSAdapterTests", "IMAPAdapterTests", "DiscourseAdapterTests", "ExecAdapterTests"]
let adapterTargets: [Target] = adapters.map { adapter in
    .target(
        name: adapter.target,
        dependencies: ["ListeningPostKit"] + (adapterExtras[adapter.folder] ?? []),
        path: "Plugins/\(adapter.folder)",
        swiftSettings: swiftSettings
    )
} + adapters.filter { isDirectory("Tests/\($0.target)Tests") && !explicitTestTargets.contains("\($0.target)Tests") }.map { adapter in
    .testTarget(
        name: "\(adapter.target)Tests",
        dependencies: [.target(name: adapter.target), "ListeningPostTesting", "ListeningPostCore"],
        resources: isDirectory("Tests/\(adapter.target)Tests/Fixtures") ? [.copy("Fixtures")] : [],
        swiftSettings: swiftSettings
    )
}

let package = Package(
    name: "listening-post",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ListeningPostKit", targets: ["ListeningPostKit"]),
        .library(name: "ListeningPostTesting", targets: ["ListeningPostTesting"]),
        .executable(name: "listening-post", targets: ["listening-post"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
    ],
    targets: [
        // The public API adapter authors build against. Keep its dependencies few.
        .target(
            name: "ListeningPostKit",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Config, the durable log, the stream hub. Knows no adapter.
        .target(
            name: "ListeningPostCore",
            dependencies: [
                "ListeningPostKit",
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP (Hummingbird 2), SSE, health and metrics, and the one ServiceGroup.
        .target(
            name: "ListeningPostServer",
            dependencies: [
                "ListeningPostCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ListeningPostTesting",
            dependencies: [
                "ListeningPostKit",
                "ListeningPostCore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Built-in adapters, one target per folder of Plugins/ (see `adapterTargets` below).
        // libcurl (libcurl4-openssl-dev) for the IMAP channel: transport, TLS and login.
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .executableTarget(
            name: "listening-post",
            dependencies: [
                "ListeningPostServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + adapters.map { .target(name: $0.target) },
            swiftSettings: swiftSettings
        ),
        // bench/ingest.sh's second reference: a bare Hummingbird handler answering 204.
        .executableTarget(
            name: "hummingbird-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "bench/HummingbirdBaseline",
            swiftSettings: swiftSettings
        ),
        // bench/fanout.sh's client: many SSE subscribers and a paced sender in one process.
        .executableTarget(
            name: "fanout-client",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/FanOut",
            swiftSettings: swiftSettings
        ),
        // Servers the tests run against: a real Dovecot, a webhook receiver. Shared so one
        // test process starts one Dovecot.
        .target(
            name: "TestSupport",
            dependencies: [
                "ListeningPostKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListeningPostKitTests",
            dependencies: ["ListeningPostKit", "ListeningPostTesting"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListeningPostCoreTests",
            dependencies: [
                "ListeningPostCore", "ListeningPostTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebhookAdapterTests",
            dependencies: ["WebhookAdapter", "ListeningPostCore", "ListeningPostTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SMSAdapterTests",
            dependencies: ["SMSAdapter", "ListeningPostCore", "ListeningPostTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IMAPAdapterTests",
            dependencies: [
                "IMAPAdapter", "ListeningPostCore", "ListeningPostTesting", "TestSupport", "ListeningPostServer", "SMSAdapter", "DiscourseAdapter",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ExecAdapterTests",
            dependencies: ["ExecAdapter", "ListeningPostCore", "ListeningPostTesting"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DiscourseAdapterTests",
            dependencies: [
                "DiscourseAdapter", "ListeningPostCore", "ListeningPostTesting", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        // Requests signed by the providers' own SDKs (Python, set up by scripts/setup-interop.sh).
        .testTarget(
            name: "InteropTests",
            dependencies: ["SMSAdapter", "WebhookAdapter", "ListeningPostCore", "ListeningPostTesting", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListeningPostServerTests",
            dependencies: [
                "ListeningPostServer", "WebhookAdapter", "ListeningPostTesting", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + adapterTargets
)
