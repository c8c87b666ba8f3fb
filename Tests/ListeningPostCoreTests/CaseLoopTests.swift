import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore
import ListeningPostTesting
import Synchronization
import Testing

/// The case loop without a server: rules from YAML through the real loader, messages
/// routed as ingest routes them, the planner and the fold exactly as the log drives them
/// (plan inside the "transaction", fold at "commit"), and time on a manual clock.
@Suite struct CaseLoopTests {
    static let yaml = """
        channels:
          - {id: mail, type: echo, path: /mail}
          - {id: sms, type: echo, path: /sms}
        customers:
          inline:
            - {id: cus_ann, emails: [ann@example.com], phones: ["+447700900123"], attributes: {tier: gold}}
            - {id: cus_bob, emails: [bob@example.com]}
        calendars:
          - name: office
            time_zone: Europe/London
            hours: {mon-fri: "09:00-17:00"}
        segments:
          - name: gold
            when: {attribute: {tier: gold}}
            preferred_channel: sms
            response_target: 1h
            resolution_target: 8h
            calendar: office
          - name: standard
            response_target: 4h
        cases:
          warning_before: 15m
          confirmation_timeout: 2d
          rules:
            - name: detractors
              when: {feedback: detractor}
            - name: refunds
              when: {text_contains: refund}
              first_response: 30m
        """

    /// One desk: the projection, a pretend log that numbers the `cases` stream, a clock.
    final class Desk: Sendable {
        let config: GatewayConfig
        let projection: CaseProjection
        let clock: ManualClock
        let offset = Mutex<Int64>(0)
        let stored = Mutex<[(key: String, event: CaseEvent)]>([])

        init(at start: Date) throws {
            config = try ConfigLoader(registry: AdapterRegistry([EchoAdapter.self]), environment: [:]).load(text: CaseLoopTests.yaml)
            let clock = ManualClock(now: start)
            self.clock = clock
            projection = CaseProjection(settings: config.cases, now: { clock.now() })
        }

        var now: Date { clock.now() }
        func set(_ date: Date) { clock.set(date) }

        /// Stores events as the log would: refusing a dedup key it has, then folding.
        @discardableResult
        func commit(_ events: [PreparedEvent]) -> [CaseEvent] {
            var entries: [StreamEntry] = []
            var new: [CaseEvent] = []
            for event in events {
                let isNew = stored.withLock { stored -> Bool in
                    guard !stored.contains(where: { $0.key == event.dedupKey }) else { return false }
                    stored.append((event.dedupKey, CaseEvent(event: event.payload)!))
                    return true
                }
                guard isNew else { continue }
                let next = offset.withLock { value -> Int64 in
                    value += 1
                    return value
                }
                entries.append(StreamEntry(stream: CaseEvent.stream, offset: next, eventId: event.id, payload: event.payload))
                new.append(CaseEvent(event: event.payload)!)
            }
            projection.committed(entries)
            return new
        }

        /// A message from someone, routed and planned; returns the kinds of case events it caused.
        @discardableResult
        func receive(
            _ author: Author,
            on channel: String = "mail",
            text: String = "hello",
            score: Int? = nil,
            flags: Set<MessageFlag> = []
        ) -> [String] {
            let message = InboundMessage(
                dedupKey: UUID().uuidString,
                author: author,
                text: text,
                occurredAt: now,
                flags: flags,
                feedback: score.flatMap { Feedback(score: $0) }
            )
            let event = MessageEvent(id: UUID().uuidString, channel: ChannelIdentity(id: channel, kind: "echo"), message: message, receivedAt: now)
            let routed = config.routing.apply(to: event, directory: config.customers.directory)
            guard let signal = config.cases.signal(for: routed) else { return [] }
            return commit(projection.followUps(to: [signal])).map(\.kind.rawValue)
        }

        /// Runs the timers due now, as the timer loop does.
        @discardableResult
        func tick() -> [CaseEvent] {
            commit(projection.dueTimerEvents(now: now).map(\.event))
        }

        func act(_ command: CaseCommand, on id: String, key: String = UUID().uuidString) throws -> [String] {
            let record = try #require(projection.read { $0.cases[id] })
            let planned = try command.events(for: record, settings: config.cases, by: "maria", idempotencyKey: key, now: now, ids: EventIDGenerator())
            return commit(planned.map { CaseProjection.prepared($0.event, dedupKey: $0.dedupKey) }).map(\.kind.rawValue)
        }

        func cases(of customer: String) -> [CaseRecord] {
            projection.read { book in book.cases.values.filter { $0.subject.customer?.id == customer }.sorted { $0.openedAt < $1.openedAt } }
        }
    }

    static let ann = Author(email: "ann@example.com")
    static let annPhone = Author(phone: "+447700900123")
    static let bob = Author(email: "bob@example.com")
    /// Tuesday 1 December 2026, 10:00 in London (GMT).
    static let tuesday10 = BusinessCalendarTests.local("2026-12-01 10:00", "Europe/London")

    @Test func aDetractorOpensACaseWithItsSegmentsStandardsInItsCalendar() throws {
        let desk = try Desk(at: Self.tuesday10)
        #expect(desk.receive(Self.ann, score: 3) == ["opened"])
        let record = try #require(desk.cases(of: "cus_ann").first)
        #expect(record.subject.rule == "detractors")
        #expect(record.subject.segment == "gold")
        #expect(record.openingScore == 3)
        #expect(record.preferredChannel == "sms")
        #expect(record.calendar == "office")
        #expect(record.targets["first_response"]?.due == BusinessCalendarTests.local("2026-12-01 11:00", "Europe/London"))
        // 8 h of office time from Tuesday 10:00: 7 h Tuesday, 1 h Wednesday.
        #expect(record.targets["resolution"]?.due == BusinessCalendarTests.local("2026-12-02 10:00", "Europe/London"))
        // A promoter opens nothing; nor does a message from nobody.
        #expect(desk.receive(Self.bob, score: 10) == [])
        #expect(desk.receive(Author(name: "anonymous"), score: 9) == [])
    }

    @Test func aLaterMessageFromTheSameCustomerOnAnyChannelJoinsTheCase() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.ann, score: 2)
        #expect(desk.receive(Self.annPhone, on: "sms", text: "still waiting", score: 1) == ["rescored", "message_added"])
        #expect(desk.receive(Self.ann, text: "any news?") == ["message_added"])
        #expect(desk.cases(of: "cus_ann").count == 1, "one open case per (customer, rule)")
        // A message matching another rule opens that rule's case and joins the open one.
        #expect(desk.receive(Self.ann, text: "I want a refund") == ["message_added", "opened"])
        #expect(desk.cases(of: "cus_ann").map(\.subject.rule).sorted() == ["detractors", "refunds"])
        let refunds = try #require(desk.cases(of: "cus_ann").first { $0.subject.rule == "refunds" })
        #expect(refunds.targets["first_response"]?.seconds == 1800, "the rule's own standard beats the segment's")
    }

    @Test func twoDetractorsInOneBatchOpenOneCase() throws {
        let desk = try Desk(at: Self.tuesday10)
        let signals = [2, 4].map { score -> CaseSignal in
            let message = InboundMessage(
                dedupKey: UUID().uuidString,
                author: Self.ann,
                text: "bad",
                occurredAt: desk.now,
                feedback: Feedback(score: score)
            )
            let event = MessageEvent(
                id: UUID().uuidString,
                channel: ChannelIdentity(id: "mail", kind: "echo"),
                message: message,
                receivedAt: desk.now
            )
            return desk.config.cases.signal(for: desk.config.routing.apply(to: event, directory: desk.config.customers.directory))!
        }
        #expect(desk.commit(desk.projection.followUps(to: signals)).map(\.kind.rawValue) == ["opened", "rescored", "message_added"])
        #expect(desk.cases(of: "cus_ann").count == 1)
    }

    @Test func breachAndWarningComeOnceAtTheirTimesAndStopOnResponse() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.ann, score: 3)
        let id = try #require(desk.cases(of: "cus_ann").first?.subject.id)
        let due = BusinessCalendarTests.local("2026-12-01 11:00", "Europe/London")
        desk.set(due.addingTimeInterval(-15 * 60 - 1))
        #expect(desk.tick().isEmpty)
        desk.set(due.addingTimeInterval(-15 * 60))
        #expect(desk.tick().map(\.kind) == [.slaWarning])
        #expect(desk.tick().isEmpty, "a warning comes once")
        desk.set(due)
        let breach = try #require(desk.tick().first)
        #expect(breach.kind == .slaBreached)
        #expect(breach.details["target"] == "first_response")
        #expect(breach.details["due"]?.stringValue == RFC3339.string(from: due))
        desk.set(due.addingTimeInterval(3600))
        #expect(desk.tick().isEmpty, "a breach comes once")
        // A response stops the first-response clock; the resolution clock still runs.
        #expect(try desk.act(.respond(text: "On it", at: nil), on: id) == ["responded"])
        let record = try #require(desk.projection.read { $0.cases[id] })
        #expect(record.firstResponseWithinTarget == false)
        #expect(record.targets.keys.sorted() == ["resolution"])
        #expect(try desk.act(.respond(text: "Update", at: nil), on: id) == ["message_added"], "later responses are updates")
    }

    @Test func aTimerFoundDueAfterDowntimeCarriesTheTrueDueTime() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.bob, score: 0)
        let due = try #require(desk.cases(of: "cus_bob").first?.targets["first_response"]?.due)
        // The gateway was down across the due time (and the warning); it comes back an hour late.
        desk.set(due.addingTimeInterval(3600))
        let events = desk.tick()
        #expect(events.map(\.kind) == [.slaBreached], "a warning after its due time is moot")
        #expect(events.first?.details["due"]?.dateValue == due)
        #expect(events.first?.details["recordedLateSeconds"] == .number(3600))
        // Replaying the same timers again (a second replica, a restart) stores nothing new.
        let replay = CaseProjection(settings: desk.config.cases, now: { due.addingTimeInterval(3600) })
        var entries: [StreamEntry] = []
        for (index, stored) in desk.stored.withLock({ $0 }).enumerated() {
            entries.append(
                StreamEntry(stream: CaseEvent.stream, offset: Int64(index + 1), eventId: stored.event.id, payload: stored.event.jsonBytes())
            )
        }
        replay.committed(entries)
        #expect(replay.dueTimerEvents(now: due.addingTimeInterval(3600)).isEmpty)
    }

    @Test func resolvingAsksAndTheCustomersYesOnAnyChannelClosesTheCase() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.ann, score: 3)
        let id = try #require(desk.cases(of: "cus_ann").first?.subject.id)
        #expect(throws: CaseCommand.Refusal.self) { try desk.act(.resolve(rootCause: " ", resolution: "refunded"), on: id) }
        #expect(try desk.act(.resolve(rootCause: "refund stuck", resolution: "re-ran the batch"), on: id) == ["resolved", "confirmation_requested"])
        let question = try #require(desk.stored.withLock { $0.last?.event })
        #expect(question.details["question"] == .string(desk.config.cases.confirmationQuestion))
        #expect(question.details["channel"] == "sms", "asked on the customer's preferred channel")
        // An out-of-office is no answer; an unclear reply joins the case.
        #expect(desk.receive(Self.ann, text: "Yes", flags: [.autoReply]) == ["message_added"])
        #expect(desk.receive(Self.ann, text: "what do you mean?") == ["message_added"])
        #expect(desk.receive(Self.annPhone, on: "sms", text: "Yes thanks, all sorted") == ["confirmed", "closed"])
        let record = try #require(desk.projection.read { $0.cases[id] })
        #expect(record.state == .closed)
        #expect(record.outcome == "confirmed")
        #expect(record.targets.isEmpty, "no clock runs after resolution")
        // Closed is final: the next detractor opens a new case.
        #expect(desk.receive(Self.ann, score: 4) == ["rescored", "opened"])
        #expect(desk.cases(of: "cus_ann").count == 2)
    }

    @Test func aNoReopensTheCaseWithFreshTargetsInANewCycle() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.bob, score: 5)
        let id = try #require(desk.cases(of: "cus_bob").first?.subject.id)
        _ = try desk.act(.respond(text: "Sorry", at: nil), on: id)
        _ = try desk.act(.resolve(rootCause: "bug", resolution: "patched"), on: id)
        desk.set(Self.tuesday10.addingTimeInterval(7200))
        #expect(desk.receive(Self.bob, text: "No, it still doesn't work") == ["reopened"])
        let record = try #require(desk.projection.read { $0.cases[id] })
        #expect(record.state == .open)
        #expect(record.subject.cycle == 2)
        #expect(record.respondedAt == nil)
        #expect(record.targets["first_response"]?.due == Self.tuesday10.addingTimeInterval(7200 + 4 * 3600), "standard segment: 24x7, 4 h")
        // The new cycle's breach has its own key: the first cycle's cannot mask it.
        desk.set(Self.tuesday10.addingTimeInterval(7200 + 4 * 3600))
        let breach = try #require(desk.tick().first)
        #expect(breach.subject.cycle == 2)
        #expect(desk.stored.withLock { $0.last?.key } == "case:\(id):breach:first_response:2")
    }

    @Test func anUnansweredQuestionClosesTheCaseUnconfirmed() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.bob, score: 5)
        let id = try #require(desk.cases(of: "cus_bob").first?.subject.id)
        _ = try desk.act(.resolve(rootCause: "bug", resolution: "patched"), on: id)
        desk.set(Self.tuesday10.addingTimeInterval(2 * 86_400 - 1))
        #expect(desk.tick().isEmpty)
        desk.set(Self.tuesday10.addingTimeInterval(2 * 86_400))
        let closed = try #require(desk.tick().first)
        #expect(closed.kind == .closed)
        #expect(closed.details["outcome"] == "unconfirmed")
        // A yes after that is just a message with no case to join.
        #expect(desk.receive(Self.bob, text: "yes") == [])
    }

    @Test func commandsAreRefusedByTheCasesState() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.bob, score: 5)
        let id = try #require(desk.cases(of: "cus_bob").first?.subject.id)
        #expect(try desk.act(.assign(owner: "maria"), on: id, key: "k1") == ["assigned"])
        #expect(try desk.act(.assign(owner: "maria"), on: id, key: "k1") == [], "the same Idempotency-Key is one change")
        _ = try desk.act(.resolve(rootCause: "bug", resolution: "patched"), on: id)
        do {
            _ = try desk.act(.resolve(rootCause: "bug", resolution: "patched"), on: id)
            Issue.record("a resolved case was resolved again")
        } catch let refusal as CaseCommand.Refusal {
            #expect(refusal.status == 409)
        }
    }

    @Test func theRebuiltBookEqualsTheLiveOne() throws {
        let desk = try Desk(at: Self.tuesday10)
        desk.receive(Self.ann, score: 3)
        desk.receive(Self.bob, text: "refund please")
        desk.receive(Self.annPhone, on: "sms", text: "hello?", score: 6)
        let id = try #require(desk.cases(of: "cus_bob").first?.subject.id)
        _ = try desk.act(.resolve(rootCause: "policy", resolution: "refunded"), on: id)
        desk.receive(Self.bob, text: "yes")
        desk.set(Self.tuesday10.addingTimeInterval(86_400))
        desk.tick()
        let rebuilt = CaseProjection(settings: desk.config.cases)
        rebuilt.committed(
            desk.stored.withLock { $0 }.enumerated().map {
                StreamEntry(
                    stream: CaseEvent.stream,
                    offset: Int64($0.offset + 1),
                    eventId: $0.element.event.id,
                    payload: $0.element.event.jsonBytes()
                )
            }
        )
        // Equal as the API shows them: dates to the millisecond the events store.
        let now = desk.now
        let shown = { (projection: CaseProjection) in projection.read { $0.cases.mapValues { $0.json(now: now) } } }
        #expect(shown(rebuilt) == shown(desk.projection))
        #expect(rebuilt.read { $0.cases.mapValues(\.timeline) } == desk.projection.read { $0.cases.mapValues(\.timeline) })
        #expect(rebuilt.read { $0.unclosedCount } == 1)
    }
}

/// docs/cases.md against the code: its example event reads back and writes out byte for
/// byte, and its table of kinds names exactly the kinds there are.
@Suite struct CaseDocsTests {
    static let text: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: root.appendingPathComponent("docs/cases.md"), encoding: .utf8)) ?? ""
    }()

    @Test func theDocumentedEventIsWhatTheGatewayWrites() throws {
        let blocks = Self.text.components(separatedBy: "```")
        let json = try #require(blocks.first { $0.hasPrefix("json\n") && $0.contains("com.listeningpost.case.opened.v1") })
        let parsed = try JSONValue.parse(Array(json.dropFirst(5).utf8))
        let event = try #require(CaseEvent(event: parsed.compactJSON()))
        #expect(event.jsonBytes() == parsed.compactJSON())
        #expect(CaseRecord(opened: event)?.targets["resolution"]?.seconds == 144_000)
    }

    @Test func theKindTableNamesEveryKind() {
        let section = Self.text.components(separatedBy: "## Case events").last?.components(separatedBy: "## Timers").first ?? ""
        let documented = Set(section.matches(of: /\n\| `([a-z_]+)` \|/).map { String($0.1) })
        #expect(documented == Set(CaseEvent.Kind.all.map(\.rawValue)))
    }
}

/// The loop metrics over a desk's cases: each figure from cases whose outcome the test set.
@Suite struct LoopReportTests {
    @Test func eachFigureCountsWhatItSays() throws {
        let start = CaseLoopTests.tuesday10
        let desk = try CaseLoopTests.Desk(at: start)
        // Three detractors from the standard segment (24x7, 4 h first response).
        for (index, name) in ["a", "b", "c"].enumerated() {
            desk.set(start.addingTimeInterval(Double(index)))
            desk.receive(Author(email: "\(name)@example.org"), score: 2 + index)
        }
        let ids = desk.projection.read { book in book.cases.values.sorted { $0.openedAt < $1.openedAt }.map(\.subject.id) }
        // a: answered after 10 min and confirmed; b: answered after 5 h (late); c: breached, unanswered.
        desk.set(start.addingTimeInterval(600))
        _ = try desk.act(.respond(text: "hi", at: nil), on: ids[0])
        _ = try desk.act(.resolve(rootCause: "x", resolution: "y"), on: ids[0])
        desk.receive(Author(email: "a@example.org"), text: "yes")
        desk.receive(Author(email: "a@example.org"), score: 9)
        desk.set(start.addingTimeInterval(5 * 3600))
        desk.tick()
        _ = try desk.act(.respond(text: "sorry", at: nil), on: ids[1])
        let rows = desk.projection.read { book in
            LoopReport.compute(book: book, npsRows: [], groupBy: [], from: start.addingTimeInterval(-60), to: start.addingTimeInterval(86_400)).rows
        }
        let row = try #require(rows.first)
        #expect(row.cases == 3)
        #expect(row.detractorCases == 3)
        #expect(row.detractorCoverage == nil, "no NPS rows given: no detractor count to divide by")
        #expect(row.firstResponseSeconds.sorted().map { $0.rounded() } == [600, 5 * 3600 - 1])
        #expect(row.firstResponsePercentile(0.5)?.rounded() == 600)
        #expect(row.firstResponsePercentile(0.9)?.rounded() == Double(17_999))
        #expect(row.decidedTarget == 3, "a within, b late, c breached")
        #expect(row.withinTarget == 1)
        #expect(row.closedConfirmed == 1)
        #expect(row.closedUnconfirmed == 0)
        #expect(row.recoveries == [7], "a's next score 9 minus the 2 that opened it")
    }
}
