import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import ListeningPostTesting
import Logging
import Testing

/// Retention on a real SQLite log: what goes (messages past `max_age`, the oldest past
/// `max_size`), what stays (the gateway's own streams, anything a push subscriber has not
/// had, a dead letter, each stream's newest entry), and that appends keep committing while
/// it deletes.
@Suite struct LogRetentionTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)

    /// A message received `daysAgo` days before `now`, on `all` and `web` (and `vip` when asked).
    static func message(_ index: Int, daysAgo: Double, vip: Bool = false, padding: Int = 0) -> PreparedEvent {
        let time = RFC3339.string(from: now.addingTimeInterval(-daysAgo * 86_400))
        let text = String(repeating: "x", count: padding)
        return PreparedEvent(
            id: "m\(index)",
            dedupKey: "k\(index)",
            payload: Array("{\"id\":\"m\(index)\",\"time\":\"\(time)\",\"text\":\"\(text)\"}".utf8),
            streams: ["all", "web"] + (vip ? ["vip"] : [])
        )
    }

    /// A case event, on `all` and `cases` as the gateway writes them.
    static func caseEvent(_ index: Int, daysAgo: Double) -> PreparedEvent {
        let time = RFC3339.string(from: now.addingTimeInterval(-daysAgo * 86_400))
        return PreparedEvent(
            id: "c\(index)",
            dedupKey: "case-\(index)",
            payload: Array("{\"id\":\"c\(index)\",\"time\":\"\(time)\"}".utf8),
            streams: ["all", "cases"]
        )
    }

    static func retention(_ log: SQLiteEventLog, _ policy: RetentionPolicy, push: [(stream: String, cursorKey: String)] = []) -> LogRetention {
        // Kept streams as the config loader sets them.
        var policy = policy
        policy.keptStreams = Set(LoopStreams.all)
        return LogRetention(log: log, policy: policy, logger: Logger(label: "retention"), pushCursors: { push }, now: { now })
    }

    @Test func messagesPastMaxAgeGoAndTheGatewaysOwnStreamsStay() async throws {
        try await SQLiteEventLogTests.withLog(directory: SQLiteEventLogTests.temporaryDirectory()) { log in
            // 100 days of one message a day, oldest first, a case event every tenth day.
            for day in stride(from: 99, through: 0, by: -1) {
                var events = [Self.message(day, daysAgo: Double(day), vip: day % 2 == 0)]
                if day % 10 == 0 { events.append(Self.caseEvent(day, daysAgo: Double(day))) }
                _ = try await log.append(AppendRequest(channel: "web", events: events))
            }
            let deleted = try await Self.retention(log, RetentionPolicy(maxAge: .seconds(30 * 86_400) + .seconds(3600))).sweep()

            // Days 99…31 are gone from `web`: 69 entries; `web` starts at day 30.
            #expect(deleted["web"]?.entries == 69)
            #expect(log.oldestOffset(stream: "web") == 70)
            let web = try await log.read(stream: "web", after: 69, limit: 1)
            #expect(String(decoding: web[0].payload, as: UTF8.self).contains("\"m30\""))
            #expect(try await log.event(id: "m31") == nil, "an old message's event is deleted")
            #expect(try await log.event(id: "m30") != nil)
            // The old case events left `all` but stay on `cases`, whole.
            #expect(try await log.read(stream: "cases", after: 0, limit: 100).count == 10)
            #expect(try await log.event(id: "c90") != nil)
            #expect(log.oldestOffset(stream: "cases") == 1)
            // Heads are unchanged, and the next append numbers on from them.
            #expect(try await log.headOffset(stream: "web") == 100)
            _ = try await log.append(AppendRequest(channel: "web", events: [Self.message(1000, daysAgo: 0)]))
            #expect(try await log.headOffset(stream: "web") == 101)
            // A second sweep finds nothing more to do.
            #expect(try await Self.retention(log, RetentionPolicy(maxAge: .seconds(30 * 86_400) + .seconds(3600))).sweep()["web"] == nil)
        }
    }

    @Test func aPushCursorAndADeadLetterHoldTheirStreamsBack() async throws {
        try await SQLiteEventLogTests.withLog(directory: SQLiteEventLogTests.temporaryDirectory()) { log in
            for day in stride(from: 59, through: 0, by: -1) {
                _ = try await log.append(AppendRequest(channel: "web", events: [Self.message(day, daysAgo: Double(day), vip: true)]))
            }
            // A push subscriber of `web` has had offsets 1…10; one of `vip` dead-lettered offset 5.
            _ = try await log.append(
                AppendRequest(
                    channel: "",
                    events: [],
                    cursors: ["push:crm": 10],
                    deadLetters: [
                        DeadLetter(subscriber: "pager", stream: "vip", offset: 5, eventId: "m55", attempts: 7, lastError: "503", deadAt: Self.now)
                    ]
                )
            )
            let deleted = try await Self.retention(log, RetentionPolicy(maxAge: .seconds(7 * 86_400)), push: [("web", "push:crm")]).sweep()
            #expect(deleted["web"]?.entries == 10, "web keeps what the push subscriber has not had")
            #expect(log.oldestOffset(stream: "web") == 11)
            #expect(deleted["vip"]?.entries == 4, "vip keeps the dead letter's event")
            #expect(log.oldestOffset(stream: "vip") == 5)
            #expect(log.oldestOffset(stream: "all") == 53, "all is held by nobody: days 59…8 go")
            #expect(try await log.event(id: "m55") != nil, "the dead letter's event stays for its re-drive")
            #expect(try await log.event(id: "m59") == nil, "an event gone from every stream is deleted")
            #expect(try await log.event(id: "m50") != nil, "an event still on vip stays")
        }
    }

    @Test func maxSizeDeletesTheOldestUntilThePagesFitAndAppendsGoOn() async throws {
        try await SQLiteEventLogTests.withLog(directory: SQLiteEventLogTests.temporaryDirectory()) { log in
            for batch in 0..<40 {
                let events = (0..<25).map { Self.message(batch * 25 + $0, daysAgo: 0, padding: 2_000) }
                _ = try await log.append(AppendRequest(channel: "web", events: events))
            }
            let before = try await log.usedBytes()
            #expect(before > 2 << 20)
            let limit = 1 << 20
            // Appends keep committing while retention deletes, each answered after its commit.
            let appended = try await withThrowingTaskGroup(of: Int.self) { group in
                group.addTask {
                    for index in 0..<200 {
                        _ = try await log.append(AppendRequest(channel: "web", events: [Self.message(10_000 + index, daysAgo: 0)]))
                    }
                    return 200
                }
                group.addTask {
                    let retention = Self.retention(log, RetentionPolicy(maxSize: limit))
                    for _ in 0..<6 { try await retention.sweep() }
                    return 0
                }
                return try await group.reduce(0, +)
            }
            #expect(appended == 200)
            #expect(try await log.usedBytes() <= limit, "the pages fit after a few sweeps")
            let oldest = log.oldestOffset(stream: "all")
            #expect(oldest > 1)
            let rest = try await log.read(stream: "all", after: oldest - 1, limit: 2_000)
            #expect(rest.map(\.offset) == Array(oldest...(try await log.headOffset(stream: "all"))), "what is left is gapless up to the head")
        }
    }

    @Test func aReaderBeforeTheOldestOffsetIsToldNotSkipped() async throws {
        try await SQLiteEventLogTests.withLog(directory: SQLiteEventLogTests.temporaryDirectory()) { log in
            for day in stride(from: 9, through: 0, by: -1) {
                _ = try await log.append(AppendRequest(channel: "web", events: [Self.message(day, daysAgo: Double(day))]))
            }
            try await Self.retention(log, RetentionPolicy(maxAge: .seconds(5 * 86_400) - .seconds(60))).sweep()
            let hub = StreamHub(log: log)
            #expect(hub.oldest(stream: "web") == 6)
            await #expect(throws: OffsetsDeleted.self) { _ = try await hub.entries(stream: "web", after: 2, limit: 10) }
            #expect(try await hub.entries(stream: "web", after: 5, limit: 10).count == 5)
        }
    }
}
