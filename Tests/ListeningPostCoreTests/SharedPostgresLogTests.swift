import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostPostgres
import ListeningPostStore
import Logging
import ServiceLifecycle
import TestSupport
import Testing

/// What only a log shared by several gateways must do: on one real PostgreSQL, two logs
/// (two gateways) appending at once, with redeliveries and connections cut mid-append.
@Suite struct SharedPostgresLogTests {
    static func event(_ key: String) -> PreparedEvent {
        PreparedEvent(
            id: "id-\(key)-\(UUID().uuidString.prefix(6))",
            dedupKey: key,
            payload: Array("{\"key\":\"\(key)\"}".utf8),
            streams: ["all", "web"]
        )
    }

    /// Runs two logs on one database around `body`.
    static func withTwoGateways(
        _ url: String,
        _ body: @Sendable (any DurableEventLog, CommittedEntries, any DurableEventLog, CommittedEntries) async throws -> Void
    ) async throws {
        let (seenA, seenB) = (CommittedEntries(), CommittedEntries())
        let a = try await LogBackend.postgres.open(url, onCommit: seenA.record, pollInterval: .milliseconds(200))
        let b = try await LogBackend.postgres.open(url, onCommit: seenB.record, pollInterval: .milliseconds(200))
        try await LogBackend.running(a) { a in
            try await LogBackend.running(b) { b in try await body(a, seenA, b, seenB) }
        }
    }

    /// Waits until `condition` holds, for at most `limit`.
    static func eventually(_ limit: Duration = .seconds(10), _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return condition()
    }

    @Test func twoGatewaysWithRedeliveriesStoreEachMessageOnceAndBothSeeEveryOffsetInOrder() async throws {
        let url = PostgresFixture.shared.freshDatabase("shared")
        try await Self.withTwoGateways(url) { a, seenA, b, seenB in
            let receipts = try await withThrowingTaskGroup(of: (String, IngestReceipt).self) { group in
                // 8 writers per gateway; every fifth key is delivered to both.
                for writer in 0..<16 {
                    group.addTask {
                        var out: [(String, IngestReceipt)] = []
                        for index in 0..<40 {
                            let key = index % 5 == 0 ? "shared-\(index)-\(writer / 2)" : "w\(writer)-\(index)"
                            let log = writer.isMultiple(of: 2) ? a : b
                            out.append((key, try await log.append(AppendRequest(channel: "web", events: [Self.event(key)]))[0]))
                        }
                        return out.last!
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(receipts.count == 16)
            let stored = try await a.read(stream: "all", after: 0, limit: 10_000)
            // 16 writers × 32 keys of their own, plus 8 pairs × 8 shared keys.
            let expected: Int = 16 * 32 + 8 * 8
            #expect(stored.count == expected)
            #expect(stored.map(\.offset) == Array(1...Int64(stored.count)))
            #expect(Set(stored.map(\.payload)).count == stored.count, "a message was stored twice")
            #expect(try await b.read(stream: "web", after: 0, limit: 10_000).map(\.eventId) == stored.map(\.eventId))
            // Each gateway hands on every entry, its own and the other's, once and in order.
            for seen in [seenA, seenB] {
                #expect(try await Self.eventually { seen.offsets("all").count >= stored.count })
                #expect(seen.offsets("all") == Array(1...Int64(stored.count)))
            }
            #expect(try await a.headOffset(stream: "all") == Int64(stored.count))
        }
    }

    @Test func connectionsCutMidAppendAreRetriedWithoutLossOrDuplicates() async throws {
        let url = PostgresFixture.shared.freshDatabase("cut")
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        let seen = CommittedEntries()
        let log = try await LogBackend.postgres.open(url, onCommit: seen.record, pollInterval: .milliseconds(200))
        try await LogBackend.running(log) { log in
            // A shell loop, not a task: psql blocks, and the cooperative pool has two threads.
            let cutter = PostgresFixture.shared.repeatedly(
                every: .milliseconds(30),
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()"
            )
            defer { kill(cutter.processIdentifier, SIGKILL) }
            let keys = (0..<300).map { "k\($0)" }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<6 {
                    group.addTask {
                        for key in keys where Int(key.dropFirst())! % 6 == writer {
                            let receipt = try await log.append(AppendRequest(channel: "web", events: [Self.event(key)]))[0]
                            // A retry after a commit whose answer was lost reports the stored id as a duplicate.
                            #expect(!receipt.eventId.isEmpty)
                        }
                    }
                }
                try await group.waitForAll()
            }
            kill(cutter.processIdentifier, SIGKILL)
            let stored = try await log.read(stream: "all", after: 0, limit: 10_000)
            #expect(stored.count == keys.count)
            #expect(stored.map(\.offset) == Array(1...Int64(keys.count)))
            #expect(try await Self.eventually { seen.offsets("all").count >= keys.count })
            #expect(seen.offsets("all") == Array(1...Int64(keys.count)))
        }
    }

    @Test func aDatabaseMigratedByANewerGatewayIsRefused() async throws {
        let url = PostgresFixture.shared.freshDatabase("newer")
        try await LogBackend.postgres.withLog(url) { _ in }
        let database = String(url.split(separator: "/").last!.split(separator: "?")[0])
        _ = PostgresFixture.shared.psql("INSERT INTO lp_schema_migrations (version) VALUES (99)", database: database)
        do {
            _ = try await LogBackend.postgres.open(url)
            Issue.record("an older binary opened a newer schema")
        } catch {
            #expect("\(error)".contains("schema is version 99, newer than this listening-post knows (2); run the newer binary"), "\(error)")
            #expect(!"\(error)".contains("PostgresTransactionError"), "the operator reads the reason, not a wrapper: \(error)")
        }
    }

    @Test func anUnreachableDatabaseFailsToOpenWithTheAddressAndNoPassword() async throws {
        let settings = PostgresSettings(host: "127.0.0.1", port: 1, username: "gateway", password: "secret-pw", database: "nowhere", tls: .disable)
        do {
            _ = try await PostgresEventLog.open(settings: settings, logger: Logger(label: "test"), connectTimeout: .seconds(3))
            Issue.record("opened a log on a closed port")
        } catch {
            #expect("\(error)".contains("postgres://gateway@127.0.0.1:1/nowhere"), "\(error)")
            #expect(!"\(error)".contains("secret-pw"))
        }
    }
}
