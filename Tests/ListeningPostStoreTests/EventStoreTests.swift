import Foundation
import ListeningPostKit
import ListeningPostStore
import ListeningPostTesting
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The front door: a registered projection is rebuilt from its stream at open and then fed
/// every commit before the hub publishes it; adding one touches nothing else.
@Suite struct EventStoreTests {
    final class Counting: Projection {
        let stream = "cases"
        let seen = Mutex<[String]>([])

        func committed(_ entries: [StreamEntry]) {
            let mine = entries.filter { $0.stream == stream }.map(\.eventId)
            seen.withLock { $0 += mine }
        }

        func rebuiltSummary(events: Int64) -> String { "counted \(events)" }
    }

    static func event(_ key: String, streams: [String]) -> PreparedEvent {
        PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array(#"{"type":"t"}"#.utf8), streams: streams)
    }

    @Test func aRegisteredProjectionIsRebuiltAtOpenAndFedEachCommit() async throws {
        let directory = TemporaryDirectory.make("lp-store")
        // First run: two events on the projection's stream, one elsewhere.
        do {
            let store = try await EventStore.open(.sqlite(directory: directory), logger: Logger(label: "t"))
            let runner = Task { try await store.log.run() }
            _ = try await store.log.append(
                AppendRequest(channel: "_cases", events: [Self.event("a", streams: ["all", "cases"]), Self.event("b", streams: ["all", "web"])])
            )
            _ = try await store.log.append(AppendRequest(channel: "_cases", events: [Self.event("c", streams: ["all", "cases"])]))
            runner.cancel()
            _ = await runner.result
            await store.log.close()
        }
        let projection = Counting()
        let store = try await EventStore.open(.sqlite(directory: directory), projections: [projection], logger: Logger(label: "t"))
        #expect(projection.seen.withLock { $0 } == ["id-a", "id-c"])
        let runner = Task { try await store.log.run() }
        _ = try await store.log.append(AppendRequest(channel: "_cases", events: [Self.event("d", streams: ["all", "cases"])]))
        #expect(projection.seen.withLock { $0 } == ["id-a", "id-c", "id-d"])
        // And the hub has it too.
        #expect(try await store.hub.head(stream: "cases") == 3)
        #expect(store.leases == nil)
        runner.cancel()
        _ = await runner.result
        await store.log.close()
    }

    @Test func aReplayThatFailsClosesTheLogAndThrows() async throws {
        struct Refusing: Projection {
            let stream = "all"
            func committed(_ entries: [StreamEntry]) {}
            func rebuiltSummary(events: Int64) -> String { "" }
        }
        let directory = TemporaryDirectory.make("lp-store")
        let failing = StoreBackend(description: "a log whose reads fail") { hooks, logger in
            try await FailingReads.open(directory: directory, hooks: hooks, logger: logger)
        }
        await #expect(throws: EventLogError.self) {
            _ = try await EventStore.open(failing, projections: [Refusing()], logger: Logger(label: "t"))
        }
        // Closed: the directory's lock is free again.
        let reopened = try await EventStore.open(.sqlite(directory: directory), logger: Logger(label: "t"))
        await reopened.log.close()
    }
}

/// A SQLite log whose reads throw, to fail a projection's replay.
final class FailingReads: DurableEventLog {
    let inner: SQLiteEventLog
    init(inner: SQLiteEventLog) { self.inner = inner }
    static func open(directory: String, hooks: StoreBackend.Hooks, logger: Logger) async throws -> FailingReads {
        FailingReads(inner: try await SQLiteEventLog.open(directory: directory, logger: logger, onCommit: hooks.onCommit))
    }
    var committedTransactions: Int { inner.committedTransactions }
    var isWritable: Bool { inner.isWritable }
    func close() async { await inner.close() }
    func run() async throws { try await inner.run() }
    func append(_ request: AppendRequest) async throws -> [IngestReceipt] { try await inner.append(request) }
    func read(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry] { throw EventLogError(description: "read refused") }
    func headOffset(stream: String) async throws -> Int64 { try await inner.headOffset(stream: stream) }
    func checkpoint(channel: String) async throws -> String? { try await inner.checkpoint(channel: channel) }
    func storedEventIds(channel: String, forDedupKeys dedupKeys: [String]) async throws -> [String: String] { [:] }
    func event(id: String) async throws -> [UInt8]? { nil }
    func cursor(subscriber: String) async throws -> Int64? { nil }
    func deadLetters(subscriber: String) async throws -> [DeadLetter] { [] }
    func unadoptedProvisionalIds(among ids: [String]) async throws -> [String] { [] }
}
