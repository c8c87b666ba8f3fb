// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The built-in adapters, one line each. An entry is the folder `Plugins/<folder>`, which
/// becomes the target `<folder>Adapter` (depending on ListeningPostKit plus `uses`, and
/// linked into the executable), and its test target `Tests/<folder>AdapterTests` with
/// `Fixtures/` as resources (depending on the adapter, ListeningPostTesting,
/// ListeningPostCore plus `testsUse`). A new adapter is a line here and a line in
/// Sources/listening-post/BuiltinAdapters.swift; docs/writing-an-adapter.md says the same.
/// Declared, not found by listing Plugins/: SwiftPM caches the evaluated manifest, so a
/// scan misses a new folder until this file changes.
struct BuiltinAdapter {
    var folder: String
    var uses: [Target.Dependency] = []
    var testsUse: [Target.Dependency] = []
    var target: String { "\(folder)Adapter" }
}

let builtinAdapters: [BuiltinAdapter] = [
    BuiltinAdapter(folder: "Webhook"),
    BuiltinAdapter(folder: "SMS"),
    BuiltinAdapter(
        folder: "Discourse",
        testsUse: ["TestSupport", .product(name: "Hummingbird", package: "hummingbird")]
    ),
    // libcurl (libcurl4-openssl-dev) for IMAP: transport, TLS and login.
    BuiltinAdapter(
        folder: "IMAP",
        uses: ["CCurl"],
        testsUse: [
            "TestSupport", "ListeningPostServer", "ListeningPostLoop", "SMSAdapter", "DiscourseAdapter",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]
    ),
    // swift-subprocess starts and supervises out-of-process adapters.
    BuiltinAdapter(
        folder: "Exec",
        uses: [.product(name: "Subprocess", package: "swift-subprocess"), .product(name: "SystemPackage", package: "swift-system")]
    ),
    BuiltinAdapter(folder: "NPSLink"),
    BuiltinAdapter(folder: "Survey"),
    // Twilio Voice callbacks are signed as Twilio's SMS webhooks are: the SMS adapter's check.
    // Vonage signs with a JWT: jwt-kit verifies it. swift-subprocess runs the transcriber.
    BuiltinAdapter(
        folder: "Voice",
        uses: [
            "SMSAdapter", .product(name: "JWTKit", package: "jwt-kit"), .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ],
        testsUse: ["SMSAdapter", .product(name: "JWTKit", package: "jwt-kit")]
    ),
]

let adapterTargets: [Target] = builtinAdapters.flatMap { adapter -> [Target] in
    [
        .target(
            name: adapter.target,
            dependencies: ["ListeningPostKit"] + adapter.uses,
            path: "Plugins/\(adapter.folder)",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "\(adapter.target)Tests",
            dependencies: [.target(name: adapter.target), "ListeningPostTesting", "ListeningPostCore", "ListeningPostStore"] + adapter.testsUse,
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
    ]
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
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    ],
    targets: [
        // The public API adapter authors build against. Keep its dependencies few.
        // libphonenumber (libphonenumber-dev) behind a C interface, so no C++ reaches the Kit's
        // API or an adapter's build settings.
        .target(
            name: "CPhoneNumber",
            path: "Sources/CPhoneNumber",
            linkerSettings: [.linkedLibrary("phonenumber")]
        ),
        .target(
            name: "ListeningPostKit",
            dependencies: [
                "CPhoneNumber",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The durable log behind one front door: the log contract, the SQLite backend, group
        // commit, the stream hub, retention, backup, leases, projections. Knows no loop, no
        // routing, no adapter.
        .target(
            name: "ListeningPostStore",
            dependencies: [
                "ListeningPostKit",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shared log for several gateways (`store.postgres`): a target of its own so that
        // nothing below the server (an adapter author's test build among them) compiles
        // postgres-nio.
        .target(
            name: "ListeningPostPostgres",
            dependencies: [
                "ListeningPostStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Config, routing and the customer directory. Knows no adapter and no loop behaviour.
        .target(
            name: "ListeningPostCore",
            dependencies: [
                "ListeningPostKit",
                "ListeningPostStore",
                // Snowball stemmers (libstemmer-dev) for matching themes.
                "CStemmer",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftCSV", package: "SwiftCSV"),
                // Message templates (`templates:`).
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The loop: NPS, survey prompts, cases and their timers, the outbox, suppressions, as
        // projections and planners over the store's events.
        .target(
            name: "ListeningPostLoop",
            dependencies: [
                "ListeningPostKit",
                "ListeningPostStore",
                "ListeningPostCore",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // HTTP (Hummingbird 2), SSE, health and metrics, and the one ServiceGroup.
        .target(
            name: "ListeningPostServer",
            dependencies: [
                "ListeningPostCore",
                "ListeningPostStore",
                "ListeningPostPostgres",
                "ListeningPostLoop",
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
                "ListeningPostStore",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // libcurl (libcurl4-openssl-dev) for the IMAP channel: transport, TLS and login.
        // libstemmer (libstemmer-dev): Snowball stemmers for `themes:`.
        .systemLibrary(
            name: "CStemmer",
            path: "Sources/CStemmer",
            providers: [.apt(["libstemmer-dev"])]
        ),
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
                "ListeningPostCore",
                "ListeningPostStore",
                "ListeningPostPostgres",
                "ListeningPostLoop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + builtinAdapters.map { .target(name: $0.target) },
            swiftSettings: swiftSettings
        ),
        // bench/ingest.sh's second reference: a bare Hummingbird handler answering 204.
        .executableTarget(
            name: "hummingbird-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "bench/HummingbirdBaseline",
            swiftSettings: swiftSettings
        ),
        // bench/phone.sh: what parsing one phone number costs.
        .executableTarget(
            name: "phone-parse",
            dependencies: ["ListeningPostKit"],
            path: "bench/PhoneParse",
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
            name: "ListeningPostStoreTests",
            dependencies: [
                "ListeningPostStore", "ListeningPostKit", "ListeningPostTesting",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListeningPostCoreTests",
            dependencies: [
                "ListeningPostCore", "ListeningPostStore", "ListeningPostPostgres", "ListeningPostLoop", "ListeningPostTesting", "TestSupport",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        // Requests signed by the providers' own SDKs (Python, set up by scripts/setup-interop.sh).
        .testTarget(
            name: "InteropTests",
            dependencies: [
                "SMSAdapter", "WebhookAdapter", "VoiceAdapter", "ListeningPostCore", "ListeningPostStore", "ListeningPostLoop",
                "ListeningPostTesting", "TestSupport",
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ListeningPostServerTests",
            dependencies: [
                "ListeningPostServer", "ListeningPostCore", "ListeningPostStore", "ListeningPostPostgres", "ListeningPostLoop", "WebhookAdapter",
                "ListeningPostTesting", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // A local Vonage checks the application JWT the gateway fetches recordings with.
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ] + adapterTargets,
    cxxLanguageStandard: .cxx17
)

// The libFuzzer targets (Fuzz/, docs/fuzzing.md), only in `make fuzz`'s build
// (LISTENING_POST_FUZZ=1, in .build-fuzz): libFuzzer brings the program's `main`, so an
// ordinary build cannot link it. Only the code the targets fuzz is instrumented (coverage
// for libFuzzer, ASan): `--sanitize` would instrument every dependency too, and that build
// took 15 minutes on two cores, too long for CI's smoke run; this one builds the
// dependencies as a plain debug build. Their crashes still stop the fuzzer, only their
// memory errors go unreported by ASan.
if Context.environment["LISTENING_POST_FUZZ"] != nil {
    let fuzzed: Set<String> = [
        "ListeningPostKit", "ListeningPostCore", "ListeningPostLoop", "IMAPAdapter", "SMSAdapter", "DiscourseAdapter", "ExecAdapter",
        "VoiceAdapter",
    ]
    // `trace-cmp` lets libFuzzer see comparisons, so it gets past magic strings and lengths.
    // `-enable-testing`: the targets reach internal parsers with `@testable import`, release builds too.
    let instrument: [SwiftSetting] = [
        .unsafeFlags(["-sanitize=fuzzer,address", "-sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp", "-enable-testing"])
    ]
    for index in package.targets.indices where fuzzed.contains(package.targets[index].name) {
        package.targets[index].swiftSettings = (package.targets[index].swiftSettings ?? []) + instrument
    }
    package.targets.append(
        .executableTarget(
            name: "listening-post-fuzz",
            dependencies: [
                "ListeningPostKit", "ListeningPostCore", "ListeningPostLoop", "IMAPAdapter", "SMSAdapter", "DiscourseAdapter", "ExecAdapter",
                "VoiceAdapter", .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Fuzz/Sources",
            swiftSettings: swiftSettings + instrument + [.unsafeFlags(["-parse-as-library"])],
            linkerSettings: [.unsafeFlags(["-sanitize=fuzzer,address"])]
        )
    )
}

// bench/mime.sh's microbenchmark (LISTENING_POST_BENCH=1): it reaches the IMAP adapter's
// internal MIME parser, so that module is compiled with -enable-testing, which an ordinary
// release build should not be.
if Context.environment["LISTENING_POST_BENCH"] != nil {
    for index in package.targets.indices where package.targets[index].name == "IMAPAdapter" {
        package.targets[index].swiftSettings = (package.targets[index].swiftSettings ?? []) + [.unsafeFlags(["-enable-testing"])]
    }
    package.targets.append(
        .executableTarget(
            name: "mime-parse",
            dependencies: ["IMAPAdapter", "ListeningPostKit"],
            path: "bench/MIMEParse",
            swiftSettings: swiftSettings
        )
    )
}
