import ListeningPostKit
import Testing

@testable import ListeningPostStore

/// The pure middle of a group commit, which both backends share: what it numbers, what it
/// treats as a duplicate, and what each request is answered.
@Suite struct BatchPlanTests {
    static func event(_ key: String, streams: [String] = ["all", "web"]) -> PreparedEvent {
        PreparedEvent(id: "id-\(key)", dedupKey: key, payload: Array(key.utf8), streams: streams)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Requests as (channel, keys).
        var requests: [(channel: String, keys: [String])]
        /// Keys the backend found already stored (not inserted), by channel.
        var alreadyStored: Set<String> = []
        var heads: [String: Int64] = [:]
        /// Expected: per request, per event, (event id answered, duplicate).
        var receipts: [[String]]
        /// Expected entries as "stream:offset:id".
        var entries: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "one request, two events",
            requests: [("web", ["a", "b"])],
            receipts: [["id-a new", "id-b new"]],
            entries: ["all:1:id-a", "web:1:id-a", "all:2:id-b", "web:2:id-b"]
        ),
        Case(
            name: "the same key twice in one batch is stored once, the second answer a duplicate",
            requests: [("web", ["a"]), ("web", ["a", "b"])],
            receipts: [["id-a new"], ["id-a dup", "id-b new"]],
            entries: ["all:1:id-a", "web:1:id-a", "all:2:id-b", "web:2:id-b"]
        ),
        Case(
            name: "the same key on two channels is two events",
            requests: [("web", ["a"]), ("sms", ["a"])],
            receipts: [["id-a new"], ["id-a new"]],
            entries: ["all:1:id-a", "web:1:id-a", "all:2:id-a", "web:2:id-a"]
        ),
        Case(
            name: "a key already in the log gets no offset and answers with the stored id",
            requests: [("web", ["a", "b"])],
            alreadyStored: ["web/a"],
            receipts: [["stored-a dup", "id-b new"]],
            entries: ["all:1:id-b", "web:1:id-b"]
        ),
        Case(
            name: "offsets continue from the heads",
            requests: [("web", ["a"])],
            heads: ["all": 41, "web": 7],
            receipts: [["id-a new"]],
            entries: ["all:42:id-a", "web:8:id-a"]
        ),
    ]

    @Test(arguments: cases)
    func aBatchIsNumberedAndAnsweredAsTheTableSays(_ row: Case) {
        var plan = BatchPlan(firstSeq: 1, heads: row.heads)
        for request in row.requests {
            plan.add(AppendRequest(channel: request.channel, events: request.keys.map { Self.event($0) }))
        }
        var inserted = Set<Int64>()
        var storedIds: [DedupIdentity: String] = [:]
        for event in plan.newEvents {
            if row.alreadyStored.contains("\(event.channel)/\(event.dedupKey)") {
                storedIds[DedupIdentity(channel: event.channel, dedupKey: event.dedupKey)] = "stored-\(event.dedupKey)"
            } else {
                inserted.insert(event.seq)
            }
        }
        let entries = plan.resolve(inserted: inserted, storedIds: storedIds)
        #expect(entries.map { "\($0.entry.stream):\($0.entry.offset):\($0.entry.eventId)" } == row.entries)
        #expect(plan.results.map { $0.map { "\($0.eventId) \($0.duplicate ? "dup" : "new")" } } == row.receipts)
    }

    @Test func followUpsAreStoredAfterTheBatchAndNeverTwice() {
        var plan = BatchPlan(firstSeq: 10, heads: [:])
        plan.add(AppendRequest(channel: "web", events: [Self.event("a")]))
        plan.addFollowUps([Self.event("case-1", streams: ["all", "cases"]), Self.event("case-1", streams: ["all", "cases"])], channel: "_cases")
        #expect(plan.newEvents.map(\.seq) == [10, 11])
        #expect(plan.newEvents.map(\.channel) == ["web", "_cases"])
        let entries = plan.resolve(inserted: [10, 11], storedIds: [:])
        #expect(entries.map { "\($0.entry.stream):\($0.entry.offset)" } == ["all:1", "web:1", "all:2", "cases:1"])
        // A follow-up answers no request.
        #expect(plan.results.map(\.count) == [1])
    }

    @Test func checkpointsCursorsAndNotesGoWithTheBatch() {
        var plan = BatchPlan(firstSeq: 1, heads: [:])
        var noted = Self.event("a")
        noted.notes[String.self] = "a note"
        plan.add(AppendRequest(channel: "mail", events: [noted], checkpoint: "uid:1", cursors: ["push:crm": 3]))
        plan.add(AppendRequest(channel: "mail", events: [], checkpoint: "uid:2", cursors: ["push:crm": 5, "push:bi": 1]))
        #expect(plan.checkpoints == ["mail": "uid:2"])
        #expect(plan.cursors == ["push:crm": 5, "push:bi": 1])
        let entries = plan.resolve(inserted: [1], storedIds: [:])
        // Notes ride to the projections with the entries handed on at commit.
        #expect(entries.allSatisfy { $0.entry.notes?[String.self] == "a note" })
    }
}
