import Foundation
import ListeningPostCore
import ListeningPostKit

/// A case event with the key the log stores it under.
public struct PlannedCaseEvent: Sendable {
    /// The event.
    public var event: CaseEvent
    /// Its dedup key on the `_cases` log channel, derived from what caused it.
    public var dedupKey: String
}

/// Decides what newly stored messages do to cases: open one per matching rule unless the
/// customer has that rule's case open, join every case of theirs that is not closed, close
/// a resolved case on a yes and reopen it on a no, and record the customer's next score
/// after a case opened on one. Pure over (the book, the signals, the settings, the time):
/// the log calls it inside the transaction that stores the messages, so a message and
/// what it opened commit together or not at all.
public struct CasePlanner: Sendable {
    /// The rules and standards.
    public let settings: CaseSettings
    let ids: EventIDGenerator

    /// Creates a planner.
    public init(settings: CaseSettings, ids: EventIDGenerator = EventIDGenerator()) {
        self.settings = settings
        self.ids = ids
    }

    /// The case events a batch of newly stored messages causes, in order. Later messages
    /// of the batch see what earlier ones did (a second detractor from the same customer
    /// joins the case the first opened).
    public func plan(_ signals: [CaseSignal], book: CaseBook, now: Date) -> [PlannedCaseEvent] {
        var batch = Lookahead(book: book)
        var planned: [PlannedCaseEvent] = []
        func emit(_ kind: CaseEvent.Kind, _ record: inout CaseRecord, _ details: [String: JSONValue], key: String, subject: CaseSubject? = nil) {
            let event = CaseEvent(id: ids.next(), kind: kind, time: now, subject: subject ?? record.subject, details: details)
            record.apply(event, offset: nil)
            batch.touched[record.subject.id] = record
            planned.append(PlannedCaseEvent(event: event, dedupKey: key))
        }
        for signal in signals {
            var joinedRules = Set<String>()
            if let customer = signal.customer?.id {
                if let score = signal.score, var record = batch.awaitingRecovery(customer), record.openingMessage != signal.eventId {
                    var details: [String: JSONValue] = ["message": .string(signal.eventId), "score": .number(Double(score))]
                    if let opening = record.openingScore {
                        details["previousScore"] = .number(Double(opening))
                        details["recovery"] = .number(Double(score - opening))
                    }
                    emit(.rescored, &record, details, key: "case:\(record.subject.id):rescored")
                    batch.recovered.insert(customer)
                }
                for var record in batch.unclosed(customer) {
                    joinedRules.insert(record.subject.rule)
                    let id = record.subject.id
                    let cycle = record.subject.cycle
                    let answer = record.state == .resolved && !signal.isAutoReply ? ConfirmationReply.read(signal.text) : .unclear
                    switch answer {
                    case .yes:
                        emit(
                            .confirmed,
                            &record,
                            ["message": .string(signal.eventId), "answer": "yes", "messageChannel": .string(signal.channel)],
                            key: "case:\(id):confirmed:\(cycle)"
                        )
                        emit(.closed, &record, ["outcome": "confirmed", "message": .string(signal.eventId)], key: "case:\(id):closed:\(cycle)")
                    case .no:
                        var subject = record.subject
                        subject.cycle += 1
                        let targets = self.targets(rule: record.subject.rule, segment: record.subject.segment, from: signal.at)
                        emit(
                            .reopened,
                            &record,
                            [
                                "message": .string(signal.eventId), "answer": "no", "targets": CaseRecord.targetsJSON(targets),
                                "messageChannel": .string(signal.channel),
                            ],
                            key: "case:\(id):reopened:\(cycle)",
                            subject: subject
                        )
                    case .unclear:
                        var details: [String: JSONValue] = [
                            "message": .string(signal.eventId), "direction": "inbound", "messageChannel": .string(signal.channel),
                            "excerpt": .string(String(signal.text.prefix(280))),
                        ]
                        if let score = signal.score { details["score"] = .number(Double(score)) }
                        emit(.messageAdded, &record, details, key: "case:\(id):message:\(signal.eventId)")
                    }
                }
            }
            for name in signal.matchedRules where !joinedRules.contains(name) {
                guard let rule = settings.rules.first(where: { $0.name == name }) else { continue }
                let subject = CaseSubject(
                    id: ids.next(),
                    rule: rule.name,
                    cycle: 1,
                    customer: signal.customer,
                    segment: signal.segment,
                    channel: signal.channel
                )
                var details: [String: JSONValue] = [
                    "message": .string(signal.eventId), "openedAt": .time(signal.at), "preferredChannel": .string(signal.preferredChannel),
                    "replyTo": .object(SurveyPrompt.identities(signal.author)),
                    "calendar": .string(settings.calendar(for: rule, segment: signal.segment).name),
                    "targets": CaseRecord.targetsJSON(targets(rule: rule.name, segment: signal.segment, from: signal.at)),
                    "excerpt": .string(String(signal.text.prefix(280))),
                ]
                if let score = signal.score { details["score"] = .number(Double(score)) }
                if let thread = signal.thread { details["thread"] = thread.json }
                let event = CaseEvent(id: ids.next(), kind: .opened, time: now, subject: subject, details: details)
                guard let record = CaseRecord(opened: event) else { continue }
                batch.opened(record)
                planned.append(PlannedCaseEvent(event: event, dedupKey: "case:\(subject.id):opened"))
            }
        }
        return planned
    }

    /// A rule's targets for a cycle starting at `start`, their due times in its calendar.
    func targets(rule name: String, segment: String, from start: Date) -> [CaseRecord.Target] {
        guard let rule = settings.rules.first(where: { $0.name == name }) else { return [] }
        let calendar = settings.calendar(for: rule, segment: segment)
        return settings.targets(for: rule, segment: segment).compactMap { target in
            calendar.adding(TimeInterval(target.seconds), to: start).map { CaseRecord.Target(name: target.name, seconds: target.seconds, due: $0) }
        }
    }

    /// The book as this batch has changed it so far, without copying the book.
    struct Lookahead {
        let book: CaseBook
        var touched: [String: CaseRecord] = [:]
        var openedFor: [String: [String]] = [:]
        var recovered: Set<String> = []
        var openedScored: [String: String] = [:]

        func unclosed(_ customer: String) -> [CaseRecord] {
            let ids = book.unclosedCases(customer: customer).map(\.subject.id) + (openedFor[customer] ?? [])
            return ids.compactMap { touched[$0] ?? book.cases[$0] }.filter { $0.state != .closed }
        }

        func awaitingRecovery(_ customer: String) -> CaseRecord? {
            guard !recovered.contains(customer) else { return nil }
            let id = openedScored[customer] ?? book.caseAwaitingRecovery(customer: customer)?.subject.id
            return id.flatMap { touched[$0] ?? book.cases[$0] }
        }

        mutating func opened(_ record: CaseRecord) {
            touched[record.subject.id] = record
            guard let customer = record.subject.customer?.id else { return }
            openedFor[customer, default: []].append(record.subject.id)
            if record.openingScore != nil {
                openedScored[customer] = record.subject.id
                recovered.remove(customer)
            }
        }
    }
}
