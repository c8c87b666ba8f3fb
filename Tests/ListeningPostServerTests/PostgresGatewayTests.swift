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
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n    pool_size: 2\n").contains("must be at least 3"))
        #expect(problems("  postgres:\n    url: postgres://u@h/db\n").contains("is read only with `kind: postgres`"))
        #expect(problems("  kind: postgres\n  postgres:\n    url: postgres://u@h/db\n  retention:\n    max_age: 90d\n").contains("not available with `kind: postgres` yet"))
    }
}
