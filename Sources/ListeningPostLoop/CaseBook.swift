import Foundation
import HeapModule
import ListeningPostKit

/// The case table: every case as its events made it, indexed for the questions ingest and
/// the API ask, with the timers that are pending. The state of the case projection, fed in
/// log order; replaying the `cases` stream rebuilds it exactly.
public struct CaseBook: Sendable {
    /// Every case, by id.
    public private(set) var cases: [String: CaseRecord] = [:]
    /// Customer id → ids of their cases that are not closed.
    private var unclosedByCustomer: [String: [String]] = [:]
    /// Customer id → their latest case opened on a score, until their next score arrives.
    private var awaitingRecovery: [String: String] = [:]
    /// Pending timers, earliest first. Entries go stale (a response met the target, the
    /// case was reopened); they are checked against the case when they come due.
    private var timers = Heap<CaseTimer>()
    /// How long before a due time a warning comes; `nil`: no warnings.
    public var warningLead: TimeInterval?

    /// An empty book.
    public init(warningLead: TimeInterval? = nil) {
        self.warningLead = warningLead
    }

    /// Folds an event in. `offset` is its place on the `cases` stream (for the timeline).
    public mutating func apply(_ event: CaseEvent, offset: Int64?) {
        let id = event.subject.id
        if event.kind == .opened {
            guard cases[id] == nil, var record = CaseRecord(opened: event) else { return }
            if let offset { record.timeline.append(offset) }
            cases[id] = record
            unclosedCount += 1
            if let customer = record.subject.customer?.id {
                unclosedByCustomer[customer, default: []].append(id)
                if record.openingScore != nil { awaitingRecovery[customer] = id }
            }
            schedule(record)
            return
        }
        // Mutated in place: copying the record out and back would copy its collections.
        guard let wasClosed = cases[id].map({ $0.state == .closed }) else { return }
        cases[id]!.apply(event, offset: offset)
        let state = cases[id]!.state
        if !wasClosed, state == .closed { unclosedCount -= 1 }
        if let customer = event.subject.customer?.id ?? cases[id]!.subject.customer?.id {
            if state == .closed {
                unclosedByCustomer[customer]?.removeAll { $0 == id }
                if unclosedByCustomer[customer]?.isEmpty == true { unclosedByCustomer[customer] = nil }
            }
            if event.kind == .rescored, awaitingRecovery[customer] == id { awaitingRecovery[customer] = nil }
        }
        if [.reopened, .confirmationRequested].contains(event.kind), let record = cases[id] { schedule(record) }
    }

    /// The customer's cases that are not closed, oldest first.
    public func unclosedCases(customer: String) -> [CaseRecord] {
        (unclosedByCustomer[customer] ?? []).compactMap { cases[$0] }
    }

    /// The customer's latest case opened on a score whose next score has not come yet.
    public func caseAwaitingRecovery(customer: String) -> CaseRecord? {
        awaitingRecovery[customer].flatMap { cases[$0] }
    }

    /// Cases not closed.
    public private(set) var unclosedCount = 0

    /// When the earliest pending timer fires (it may turn out stale).
    public var nextTimerAt: Date? { timers.min?.at }

    /// Removes and returns the timers due at `now` that still apply to their case, earliest first.
    public mutating func takeDueTimers(now: Date) -> [CaseTimer] {
        var due: [CaseTimer] = []
        while let first = timers.min, first.at <= now {
            let timer = timers.removeMin()
            // A warning found after its target is due (the gateway was down) is moot: the breach says it.
            if case .warn = timer.action, timer.due <= now { continue }
            guard let record = cases[timer.caseId], record.pendingTimers(warningLead: warningLead).contains(timer), !due.contains(timer) else {
                continue
            }
            due.append(timer)
        }
        return due
    }

    /// Puts back timers whose events could not be stored, to try again.
    public mutating func reschedule(_ timers: [CaseTimer]) {
        for timer in timers { self.timers.insert(timer) }
    }

    private mutating func schedule(_ record: CaseRecord) {
        for timer in record.pendingTimers(warningLead: warningLead) { timers.insert(timer) }
    }
}
