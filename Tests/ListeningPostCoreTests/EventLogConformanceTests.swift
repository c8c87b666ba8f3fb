import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import ListeningPostTesting
import ServiceLifecycle
import Synchronization
import Testing

/// The log contract, run against both backends: what the gateway relies on whichever store
/// an operator picks.
@Suite struct EventLogConformanceTests {
    static func event(_ key: String, streams: [String] = ["all", "web"]) -> PreparedEvent {
        PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array("{\"key\":\"\(key)\"}".utf8), streams: streams)
    }

    @Test(arguments: LogBackend.allCases)
    func concurrentAppendsShareTransactionsAndGetGaplessOffsets(_ backend: LogBackend) async throws {
        try await backend.withLog(backend.freshPlace()) { log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask { _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("k\(index)")])) }
                }
                try await group.waitForAll()
            }
            #expect(log.committedTransactions < 200, "group commit should merge concurrent appends")
            let entries = try await log.read(stream: "all", after: 0, limit: 1000)
            #expect(entries.map(\.offset) == Array(1...200))
            #expect(Set(entries.map(\.eventId)).count == 200)
            #expect(try await log.headOffset(stream: "web") == 200)
        }
    }

    @Test(arguments: LogBackend.allCases)
    func duplicateReturnsTheOriginalIdAndStoresNothing(_ backend: LogBackend) async throws {
        try await backend.withLog(backend.freshPlace()) { log in
            let first = try await log.append(AppendRequest(channel: "web", events: [Self.event("same")]))
            var again = Self.event("same")
            again.id = "a-new-id"
            let second = try await log.append(AppendRequest(channel: "web", events: [again]))
            #expect(first == [IngestReceipt(eventId: "id-same", duplicate: false)])
            #expect(second == [IngestReceipt(eventId: "id-same", duplicate: true)])
            // The same key on another channel is another message.
            let other = try await log.append(AppendRequest(channel: "sms", events: [Self.event("same-other")]))
            #expect(other[0].duplicate == false)
            #expect(try await log.read(stream: "all", after: 0, limit: 10).count == 2)
            #expect(try await log.storedEventIds(channel: "web", forDedupKeys: ["same", "never"]) == ["same": "id-same"])
            #expect(try await log.event(id: "id-same") == Self.event("same").payload)
            #expect(try await log.event(id: "a-new-id") == nil)
        }
    }

    @Test(arguments: LogBackend.allCases)
    func repeatsInsideOneBatchAreStoredOnce(_ backend: LogBackend) async throws {
        try await backend.withLog(backend.freshPlace()) { log in
            var twin = Self.event("twin")
            twin.id = "id-twin-2"
            let results = try await log.append(AppendRequest(channel: "web", events: [Self.event("twin"), twin]))
            #expect(results == [IngestReceipt(eventId: "id-twin", duplicate: false), IngestReceipt(eventId: "id-twin", duplicate: true)])
            #expect(try await log.read(stream: "web", after: 0, limit: 10).map(\.eventId) == ["id-twin"])
        }
    }

    @Test(arguments: LogBackend.allCases)
    func checkpointAndCursorsCommitWithEventsAndSurviveReopen(_ backend: LogBackend) async throws {
        let place = backend.freshPlace()
        try await backend.withLog(place) { log in
            _ = try await log.append(AppendRequest(channel: "mail", events: [Self.event("m1")], checkpoint: "uid:1", cursors: ["push-a": 1]))
            _ = try await log.append(AppendRequest(channel: "mail", events: [], checkpoint: "uid:2"))
        }
        try await backend.withLog(place) { log in
            #expect(try await log.checkpoint(channel: "mail") == "uid:2")
            #expect(try await log.checkpoint(channel: "other") == nil)
            #expect(try await log.cursor(subscriber: "push-a") == 1)
            #expect(try await log.headOffset(stream: "all") == 1)
            // Offsets continue after a restart.
            _ = try await log.append(AppendRequest(channel: "mail", events: [Self.event("m2")]))
            #expect(try await log.read(stream: "all", after: 0, limit: 10).map(\.offset) == [1, 2])
        }
    }

    @Test(arguments: LogBackend.allCases)
    func deadLettersCommitWithTheCursorAndAreForgottenWhenCleared(_ backend: LogBackend) async throws {
        try await backend.withLog(backend.freshPlace()) { log in
            _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("d1"), Self.event("d2")]))
            let when = Date(timeIntervalSince1970: 1_800_000_000)
            let letters = [
                DeadLetter(subscriber: "crm", stream: "all", offset: 1, eventId: "id-d1", attempts: 5, lastError: "HTTP 500", deadAt: when),
                DeadLetter(subscriber: "crm", stream: "all", offset: 2, eventId: "id-d2", attempts: 5, lastError: "timeout", deadAt: when + 1),
            ]
            _ = try await log.append(AppendRequest(channel: "web", events: [], cursors: ["crm": 2], deadLetters: letters))
            #expect(try await log.cursor(subscriber: "crm") == 2)
            let stored = try await log.deadLetters(subscriber: "crm")
            #expect(stored.map(\.eventId) == ["id-d1", "id-d2"])
            #expect(stored.first?.payload == Self.event("d1").payload)
            #expect(stored.first?.lastError == "HTTP 500")
            #expect(stored.first?.deadAt == when)
            _ = try await log.append(
                AppendRequest(channel: "web", events: [], clearedDeadLetters: [DeadLetterKey(subscriber: "crm", eventId: "id-d1")])
            )
            #expect(try await log.deadLetters(subscriber: "crm").map(\.eventId) == ["id-d2"])
        }
    }

    @Test(arguments: LogBackend.allCases)
    func provisionalCustomersStayUnadoptedUntilAnAdoptionCommits(_ backend: LogBackend) async throws {
        try await backend.withLog(backend.freshPlace()) { log in
            _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("p1")], provisionalCustomers: ["prov-a", "prov-b"]))
            #expect(Set(try await log.unadoptedProvisionalIds(among: ["prov-a", "prov-b", "prov-c"])) == ["prov-a", "prov-b"])
            _ = try await log.append(AppendRequest(channel: "directory", events: [Self.event("merge")], adoptions: ["prov-a": "cus-1"]))
            #expect(try await log.unadoptedProvisionalIds(among: ["prov-a", "prov-b"]) == ["prov-b"])
        }
    }

    @Test(arguments: LogBackend.allCases)
    func dependentsAreStoredOnlyWithANewEventAndInTheSameCommit(_ backend: LogBackend) async throws {
        let seen = CommittedEntries()
        try await backend.withLog(backend.freshPlace(), onCommit: seen.record) { log in
            var stop = Self.event("stop-1", streams: ["all", "sms"])
            stop.dependents = [Self.event("suppress-1", streams: ["suppressions"])]
            _ = try await log.append(AppendRequest(channel: "sms", events: [stop]))
            // Redelivered: the STOP is a duplicate, so its dependent is not derived again.
            var again = stop
            again.id = "id-stop-again"
            again.dependents = [Self.event("suppress-2", streams: ["suppressions"])]
            let repeated = try await log.append(AppendRequest(channel: "sms", events: [again]))
            #expect(repeated[0].duplicate)
            #expect(try await log.read(stream: "suppressions", after: 0, limit: 10).map(\.eventId) == ["id-suppress-1"])
            #expect(try await log.read(stream: "all", after: 0, limit: 10).map(\.eventId) == ["id-stop-1"])
            #expect(seen.offsets("suppressions") == [1])
            #expect(seen.offsets("all") == [1])
        }
    }

    @Test(arguments: LogBackend.allCases)
    func onCommitSeesEveryNewEntryOnceInOffsetOrderBeforeTheAppendReturns(_ backend: LogBackend) async throws {
        let seen = CommittedEntries()
        try await backend.withLog(backend.freshPlace(), onCommit: seen.record) { log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let key = "c\(index % 80)"  // 20 redeliveries
                        _ = try await log.append(AppendRequest(channel: "web", events: [Self.event(key)]))
                        #expect(seen.entries.withLock { $0.contains { $0.eventId == "id-\(key)" } }, "committed but not yet handed on")
                    }
                }
                try await group.waitForAll()
            }
            let all = seen.entries.withLock { $0.filter { $0.stream == "all" } }
            #expect(all.map(\.offset) == Array(1...80))
            #expect(all == (try await log.read(stream: "all", after: 0, limit: 100)))
        }
    }

    @Test(arguments: LogBackend.allCases)
    func appendsAfterShutdownAreRefusedNotLost(_ backend: LogBackend) async throws {
        let log = try await backend.open(backend.freshPlace())
        let runner = Task { try await log.run() }
        runner.cancel()
        _ = await runner.result
        await #expect(throws: EventLogError.self) {
            _ = try await log.append(AppendRequest(channel: "web", events: [Self.event("late")]))
        }
    }
}

/// What a log's `onCommit` handed on, in order.
final class CommittedEntries: Sendable {
    let entries = Mutex<[StreamEntry]>([])
    @Sendable func record(_ new: [StreamEntry]) { entries.withLock { $0 += new } }
    func offsets(_ stream: String) -> [Int64] { entries.withLock { $0.filter { $0.stream == stream }.map(\.offset) } }
}
