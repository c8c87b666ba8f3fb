import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import Synchronization

/// The case projection: the ``CaseBook`` behind the case API, the timers and the planner.
/// Never a second source of truth: rebuilt at start by replaying the `cases` stream, then
/// kept current by folding every committed case event (``committed(_:)``, called by the
/// log in commit order, before the next transaction is planned).
///
/// It is also the log's ``FollowUpPlanner``: inside each transaction it plans what the new
/// messages do to cases against the book as committed so far.
public final class CaseProjection: Projection, FollowUpPlanner, Sendable {
    /// The rules and standards now in force (a config reload replaces them; cases already
    /// open keep the due times their events carry).
    public var settings: CaseSettings { planner.withLock { $0.settings } }
    private let planner: Mutex<CasePlanner>
    private let book: Mutex<CaseBook>
    private let now: @Sendable () -> Date
    private let ids: EventIDGenerator
    /// Signalled when a fold schedules a timer, so the timer loop can sleep until the next one.
    let timersChanged = Wakeup()
    /// The events the last ``followUps(to:)`` planned, by id: folded at commit without
    /// parsing their JSON back (bench/cases.sh: the parse was a tenth of the writer's time).
    /// Replaced at each planning: the log plans and commits one transaction at a time.
    private let planned = Mutex<[String: CaseEvent]>([:])

    /// Creates an empty projection.
    public init(settings: CaseSettings, now: @escaping @Sendable () -> Date = Date.init, ids: EventIDGenerator = EventIDGenerator()) {
        self.planner = Mutex(CasePlanner(settings: settings, ids: ids))
        self.book = Mutex(CaseBook(warningLead: settings.warningBefore.map { TimeInterval($0.components.seconds) }))
        self.now = now
        self.ids = ids
    }

    public var followUpChannel: String { CaseEvent.logChannel }
    public var plannedStream: String { CaseEvent.stream }

    /// Switches to new rules and standards: messages planned from now on use them, and
    /// timers scheduled from now on warn with the new lead.
    public func replace(settings: CaseSettings) {
        planner.withLock { $0 = CasePlanner(settings: settings, ids: ids) }
        book.withLock { $0.warningLead = settings.warningBefore.map { TimeInterval($0.components.seconds) } }
        timersChanged.signal()
    }

    public func plans(for notes: EventNotes) -> Bool { notes[CaseSignal.self] != nil }

    public func followUps(to stored: [EventNotes]) -> [PreparedEvent] {
        followUps(to: stored.compactMap { $0[CaseSignal.self] })
    }

    /// The case events that follow from these signals, in order.
    public func followUps(to signals: [CaseSignal]) -> [PreparedEvent] {
        let time = now().wholeMilliseconds
        let planner = self.planner.withLock { $0 }
        let events = book.withLock { planner.plan(signals, book: $0, now: time) }
        planned.withLock { planned in
            planned.removeAll(keepingCapacity: true)
            for event in events { planned[event.event.id] = event.event }
        }
        return events.map { Self.prepared($0.event, dedupKey: $0.dedupKey) }
    }

    /// A case event ready for the log: on `cases` and `all`.
    public static func prepared(_ event: CaseEvent, dedupKey: String) -> PreparedEvent {
        PreparedEvent(id: event.id, dedupKey: dedupKey, payload: event.jsonBytes(), streams: [RoutingRules.firehose, CaseEvent.stream])
    }

    /// Folds the case events among committed entries.
    public func committed(_ entries: [StreamEntry]) {
        var events: [(CaseEvent, Int64)] = []
        planned.withLock { planned in
            for entry in entries where entry.stream == CaseEvent.stream {
                if let event = planned.removeValue(forKey: entry.eventId) ?? CaseEvent(event: entry.payload) { events.append((event, entry.offset)) }
            }
        }
        guard !events.isEmpty else { return }
        let earliest = book.withLock { book -> Date? in
            let before = book.nextTimerAt
            for (event, offset) in events { book.apply(event, offset: offset) }
            return book.nextTimerAt.flatMap { next in before.map { next < $0 } ?? true ? next : nil }
        }
        if earliest != nil { timersChanged.signal() }
    }

    public var stream: String { CaseEvent.stream }

    public func rebuiltSummary(events: Int64) -> String {
        let (count, unclosed) = book.withLock { ($0.cases.count, $0.unclosedCount) }
        return "case projection rebuilt: \(count) case(s), \(unclosed) not closed, from \(events) event(s)"
    }

    /// Reads the book under the projection's lock.
    public func read<T>(_ body: (borrowing CaseBook) -> T) -> T {
        book.withLock { body($0) }
    }

    /// The events of the timers due now, ready to store, and the timers themselves (to put
    /// back if storing fails).
    public func dueTimerEvents(now: Date) -> [(timer: CaseTimer, event: PreparedEvent)] {
        book.withLock { book in
            book.takeDueTimers(now: now).compactMap { timer -> (CaseTimer, PreparedEvent)? in
                guard let record = book.cases[timer.caseId] else { return nil }
                return (timer, Self.prepared(timerEvent(timer, record: record, now: now), dedupKey: timer.dedupKey))
            }
        }
    }

    /// When the earliest pending timer fires.
    public var nextTimerAt: Date? { book.withLock { $0.nextTimerAt } }

    /// Puts timers back after a failed append.
    func reschedule(_ timers: [CaseTimer]) {
        book.withLock { $0.reschedule(timers) }
    }

    private func timerEvent(_ timer: CaseTimer, record: CaseRecord, now: Date) -> CaseEvent {
        // Late when the gateway was down across the due time: the event still says when it was due.
        let late = max(0, now.timeIntervalSince(timer.at))
        switch timer.action {
        case .warn(let target):
            return CaseEvent(
                id: ids.next(),
                kind: .slaWarning,
                time: now,
                subject: record.subject,
                details: ["target": .string(target), "due": .time(timer.due)]
            )
        case .breach(let target):
            var details: [String: JSONValue] = ["target": .string(target), "due": .time(timer.due)]
            if late >= 1 { details["recordedLateSeconds"] = .number(late.rounded()) }
            return CaseEvent(id: ids.next(), kind: .slaBreached, time: now, subject: record.subject, details: details)
        case .expireConfirmation:
            return CaseEvent(
                id: ids.next(),
                kind: .closed,
                time: now,
                subject: record.subject,
                details: ["outcome": "unconfirmed", "expiredAt": .time(timer.at)]
            )
        }
    }
}

extension Date {
    /// The date cut to the millisecond events store, so a case event folded as planned and
    /// the same event read back from its JSON give the same table (to the millisecond).
    var wholeMilliseconds: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000) }
}
