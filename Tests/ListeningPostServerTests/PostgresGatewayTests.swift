import Foundation
import Hummingbird
import HummingbirdTesting
import ListeningPostCore
import ListeningPostKit
import ListeningPostPostgres
import ListeningPostServer
import ListeningPostStore
import Logging
import TestSupport
import Testing

/// Two gateways on one PostgreSQL database, as behind a load balancer: a webhook posted to
/// either is stored once, and a subscriber of either sees every event in order.
@Suite struct PostgresGatewayTests {
    static func store(_ url: String) -> String {
        "  kind: postgres\n  postgres:\n    url: \(url)\n    pool_size: 4\n"
    }

    @Test func aSubscriberOfOneGatewaySeesWhatEitherGatewayStoredInOrderAndOnce() async throws {
        let url = PostgresFixture.shared.freshDatabase("gateways")
        let first = try await GatewayHarness.gateway(store: Self.store(url))
        let second = try await GatewayHarness.gateway(store: Self.store(url))
        try await first.application().test(.live) { firstClient in
            try await second.application().test(.live) { secondClient in
                let ports = [firstClient.port!, secondClient.port!]
                #expect(try await GatewayHarness.get(ports[0], "/readyz", token: nil).body.contains(#""store":"postgres""#))
                let reader = Task { try await GatewayHarness.readEvents(ports[0], stream: "survey", count: 40) }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<40 {
                        group.addTask {
                            let body = GatewayHarness.json(["response_id": .string("r\(index)"), "reason": .string("answer \(index)")])
                            // Every fourth response is delivered to both gateways, as a retrying sender might.
                            let targets = index % 4 == 0 ? ports : [ports[index % 2]]
                            for port in targets {
                                let (status, _) = try await GatewayHarness.post(port, "/hooks/survey", body: body)
                                #expect(status == 202)
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let events = try await reader.value
                #expect(events.map(\.lastEventId) == (1...40).map { String($0) })
                #expect(Set(events.map(\.data)).count == 40, "an event was delivered twice")
                let stored = try await first.log.read(stream: "survey", after: 0, limit: 100)
                #expect(stored.count == 40)
            }
        }
    }

    @Test func checkExplainsAPostgresStoreItCannotUse() throws {
        let registry = AdapterRegistry([])
        let loader = ConfigLoader(registry: registry, environment: [:])
        func problems(_ store: String) -> String {
            do {
                _ = try loader.load(text: "store:\n" + store + "channels: []\n")
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(problems("  kind: postgres\n").contains("`kind: postgres` needs a `postgres:` section with its `url`"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: mysql://x@y/z\n").contains("expected postgres://user:password@host:port/database"))
        #expect(
            problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db?sslmode=maybe\n").contains(
                "sslmode must be one of disable, prefer, require"
            )
        )
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n    pool_size: 3\n").contains("must be at least 4"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n    lease_ttl: 1s\n").contains("must be at least 3s"))
        #expect(problems("  postgres:\n    url: postgres://u@h/db\n").contains("is read only with `kind: postgres`"))
        #expect(
            problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n  retention:\n    max_age: 90d\n").contains(
                "not available with `kind: postgres` yet"
            )
        )
    }

    @Test func checkReachesTheDatabaseAndMigrateBringsItsSchemaUp() throws {
        let url = PostgresFixture.shared.freshDatabase("migrate")
        let directory = try ExecPluginTests.workspace("pg-check")
        func config(_ url: String) throws -> String {
            let path = directory + "/channels-\(UUID().uuidString.prefix(6)).yaml"
            // The password goes in `password`, so check's output can be searched for it.
            let withoutPassword = url.replacingOccurrences(of: ":\(PostgresFixture.shared.password)@", with: "@")
            try
                "store:\n  kind: postgres\n  path: \(directory)/data\n  postgres:\n    url: \(withoutPassword)\n    password: \(PostgresFixture.shared.password)\nchannels: []\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let file = try config(url)
        let fresh = try BootstrapCheckTests.run(["check", "--config", file])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(
            fresh.stdout.contains("PostgreSQL reachable, schema version 0, migrated to 2 at start or by `listening-post migrate`"),
            "\(fresh.stdout)"
        )
        let migrated = try BootstrapCheckTests.run(["migrate", "--config", file])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("schema migrated from version 0 to 2"), "\(migrated.stdout)")
        #expect(try BootstrapCheckTests.run(["migrate", "--config", file]).stdout.contains("schema already at version 2"))
        #expect(try BootstrapCheckTests.run(["check", "--config", file]).stdout.contains("PostgreSQL reachable, schema version 2)"))

        let unreachable = try BootstrapCheckTests.run([
            "check", "--config", try config("postgres://postgres:\(PostgresFixture.shared.password)@127.0.0.1:1/nowhere?sslmode=disable"),
        ])
        #expect(unreachable.status == 1)
        #expect(
            unreachable.stderr.contains("store.postgres: cannot reach postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable"),
            "\(unreachable.stderr)"
        )
        #expect(!unreachable.stderr.contains(PostgresFixture.shared.password))
    }

    @Test func copyLogMovesASQLiteLogToPostgresKeepingOffsetsCheckpointsAndCursors() async throws {
        let url = PostgresFixture.shared.freshDatabase("copy")
        let directory = try ExecPluginTests.workspace("pg-copy")
        let data = directory + "/data"
        func event(_ key: String, streams: [String]) -> PreparedEvent { Self.event(key, streams: streams) }
        // Its own scope: the log (and the directory's lock) is gone before copy-log runs.
        let original = try await Self.writeSQLiteLog(in: data)

        let config = directory + "/channels.yaml"
        try "store:\n  kind: postgres\n  path: \(data)\n  postgres:\n    url: \(url)\nchannels: []\n".write(
            toFile: config,
            atomically: true,
            encoding: .utf8
        )
        let copied = try BootstrapCheckTests.run(["copy-log", "--config", config])
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("copied 2500 events"), "\(copied.stdout)")

        let settings = try PostgresSettings.parse(url: url).get()
        let postgres = try await PostgresEventLog.open(settings: settings, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await postgres.run() }
            for (stream, entries) in original {
                let moved = try await postgres.read(stream: stream, after: 0, limit: 10_000)
                #expect(moved.map(\.offset) == entries.map(\.offset), "\(stream)")
                #expect(moved.map(\.eventId) == entries.map(\.eventId), "\(stream)")
                #expect(moved.map(\.payload) == entries.map(\.payload), "\(stream)")
            }
            #expect(try await postgres.checkpoint(channel: "mail") == "uid-2499")
            #expect(try await postgres.cursor(subscriber: "push:crm") == 1_200)
            let letters = try await postgres.deadLetters(subscriber: "push:crm")
            #expect(letters.map(\.eventId) == ["id-k6"] && letters.first?.deadAt == Date(timeIntervalSince1970: 1_790_000_000.25))
            // Dedup spans the move, and the next append continues the stream.
            #expect(try await postgres.append(AppendRequest(channel: "web", events: [event("k1", streams: ["all", "web"])]))[0].duplicate)
            _ = try await postgres.append(AppendRequest(channel: "web", events: [event("after-move", streams: ["all", "web"])]))
            #expect(try await postgres.read(stream: "all", after: 2_500, limit: 10).map(\.offset) == [2_501])
            group.cancelAll()
        }
        await postgres.close()

        let again = try BootstrapCheckTests.run(["copy-log", "--config", config])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds 2501 events; copy into an empty database"), "\(again.stderr)")
    }

    static func event(_ key: String, streams: [String]) -> PreparedEvent {
        PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array("{\"key\":\"\(key)\"}".utf8), streams: streams)
    }

    /// 2,500 events on two channels with checkpoints, a cursor and a dead letter, in a
    /// SQLite log; returns each stream's entries.
    static func writeSQLiteLog(in data: String) async throws -> [String: [StreamEntry]] {
        let sqlite = try await SQLiteEventLog.open(directory: data, logger: Logger(label: "test"))
        var original: [String: [StreamEntry]] = [:]
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sqlite.run() }
            for index in 0..<2_500 {
                _ = try await sqlite.append(
                    AppendRequest(
                        channel: index.isMultiple(of: 3) ? "mail" : "web",
                        events: [event("k\(index)", streams: index.isMultiple(of: 3) ? ["all", "mail"] : ["all", "web"])],
                        checkpoint: index.isMultiple(of: 3) ? "uid-\(index)" : nil
                    )
                )
            }
            _ = try await sqlite.append(
                AppendRequest(
                    channel: "web",
                    events: [],
                    cursors: ["push:crm": 1_200],
                    deadLetters: [
                        DeadLetter(
                            subscriber: "push:crm",
                            stream: "all",
                            offset: 7,
                            eventId: "id-k6",
                            attempts: 8,
                            lastError: "HTTP 500",
                            deadAt: Date(timeIntervalSince1970: 1_790_000_000.25)
                        )
                    ]
                )
            )
            for stream in ["all", "mail", "web"] { original[stream] = try await sqlite.read(stream: stream, after: 0, limit: 10_000) }
            group.cancelAll()
        }
        await sqlite.close()
        return original
    }
}
