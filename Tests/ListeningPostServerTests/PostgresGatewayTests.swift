import Foundation
import Hummingbird
import HummingbirdTesting
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import Testing
import TestSupport

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
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db?sslmode=maybe\n").contains("sslmode must be one of disable, prefer, require"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n    pool_size: 3\n").contains("must be at least 4"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n    lease_ttl: 1s\n").contains("must be at least 3s"))
        #expect(problems("  postgres:\n    url: postgres://u@h/db\n").contains("is read only with `kind: postgres`"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n  retention:\n    max_age: 90d\n").contains("not available with `kind: postgres` yet"))
    }

    @Test func checkReachesTheDatabaseAndMigrateBringsItsSchemaUp() throws {
        let url = PostgresFixture.shared.freshDatabase("migrate")
        let directory = try ExecPluginTests.workspace("pg-check")
        func config(_ url: String) throws -> String {
            let path = directory + "/channels-\(UUID().uuidString.prefix(6)).yaml"
            // The password goes in `password`, so check's output can be searched for it.
            let withoutPassword = url.replacingOccurrences(of: ":\(PostgresFixture.shared.password)@", with: "@")
            try "store:\n  kind: postgres\n  path: \(directory)/data\n  postgres:\n    url: \(withoutPassword)\n    password: \(PostgresFixture.shared.password)\nchannels: []\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let file = try config(url)
        let fresh = try BootstrapCheckTests.run(["check", "--config", file])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(fresh.stdout.contains("PostgreSQL reachable, schema version 0, migrated to 2 at start or by `listening-post migrate`"), "\(fresh.stdout)")
        let migrated = try BootstrapCheckTests.run(["migrate", "--config", file])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("schema migrated from version 0 to 2"), "\(migrated.stdout)")
        #expect(try BootstrapCheckTests.run(["migrate", "--config", file]).stdout.contains("schema already at version 2"))
        #expect(try BootstrapCheckTests.run(["check", "--config", file]).stdout.contains("PostgreSQL reachable, schema version 2)"))

        let unreachable = try BootstrapCheckTests.run(["check", "--config", try config("postgres://postgres:\(PostgresFixture.shared.password)@127.0.0.1:1/nowhere?sslmode=disable")])
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.contains("store.postgres: cannot reach postgres://postgres@127.0.0.1:1/nowhere?sslmode=disable"), "\(unreachable.stderr)")
        #expect(!unreachable.stderr.contains(PostgresFixture.shared.password))
    }
}
