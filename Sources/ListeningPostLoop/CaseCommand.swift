import Foundation
import ListeningPostCore
import ListeningPostKit

/// What a person working a case asks for through the API: assign it, record a response,
/// resolve it. ``events(for:settings:by:idempotencyKey:now:)`` turns a command into the
/// events to store, or says why the case's state refuses it. Pure, so the API and the
/// tests share one set of rules.
public enum CaseCommand: Sendable {
    /// Give the case an owner.
    case assign(owner: String)
    /// Record an answer sent to the customer: the first response of the cycle, or an update.
    case respond(text: String?, at: Date?)
    /// Resolve it: both a root cause and what was done are required.
    case resolve(rootCause: String, resolution: String)

    /// Why a command cannot apply, with the HTTP status it answers.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        /// 409 for a state conflict, 400 for a bad value.
        public var status: Int
        public var description: String
    }

    /// Short name, in dedup keys.
    var name: String {
        switch self {
        case .assign: "assign"
        case .respond: "response"
        case .resolve: "resolve"
        }
    }

    /// The events the command stores against a case. `by` names who acted (the operator
    /// token's name unless the body says otherwise); `idempotencyKey` makes a retry a
    /// duplicate rather than a second change.
    public func events(
        for record: CaseRecord,
        settings: CaseSettings,
        by: String,
        idempotencyKey: String,
        now: Date,
        ids: EventIDGenerator,
        customer: Customer? = nil
    ) throws(Refusal)
        -> [PlannedCaseEvent]
    {
        let id = record.subject.id
        guard record.state != .closed else {
            throw Refusal(
                status: 409,
                description: "case \(id) is closed (\(record.outcome ?? "closed")); a new message from the customer opens a new one"
            )
        }
        func event(_ kind: CaseEvent.Kind, _ details: [String: JSONValue]) -> CaseEvent {
            CaseEvent(id: ids.next(), kind: kind, time: now, subject: record.subject, details: details)
        }
        switch self {
        case .assign(let owner):
            let owner = owner.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !owner.isEmpty, owner.count <= 200 else {
                throw Refusal(status: 400, description: "owner: required, a name of at most 200 characters")
            }
            return [
                PlannedCaseEvent(
                    event: event(.assigned, ["owner": .string(owner), "by": .string(by)]),
                    dedupKey: "case:\(id):assign:\(idempotencyKey)"
                )
            ]
        case .respond(let text, let at):
            let at = min(at ?? now, now)
            var details: [String: JSONValue] = ["by": .string(by), "at": .time(at)]
            if let text { details["text"] = .string(text) }
            let key = "case:\(id):response:\(idempotencyKey)"
            if record.state == .open, record.respondedAt == nil {
                if let target = record.targets["first_response"] {
                    details["due"] = .time(target.due)
                    details["withinTarget"] = .bool(at <= target.due)
                }
                return [PlannedCaseEvent(event: event(.responded, details), dedupKey: key)]
            }
            details["direction"] = "outbound"
            if let text { details["excerpt"] = .string(String(text.prefix(280))) }
            return [PlannedCaseEvent(event: event(.messageAdded, details), dedupKey: key)]
        case .resolve(let rootCause, let resolution):
            guard record.state == .open else {
                throw Refusal(
                    status: 409,
                    description: "case \(id) is already resolved and waits for the customer's answer; it reopens if they say no"
                )
            }
            let rootCause = rootCause.trimmingCharacters(in: .whitespacesAndNewlines)
            let resolution = resolution.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !rootCause.isEmpty else { throw Refusal(status: 400, description: "root_cause: required, what caused the customer's problem") }
            guard !resolution.isEmpty else { throw Refusal(status: 400, description: "resolution: required, what was done about it") }
            let cycle = record.subject.cycle
            let resolved = event(.resolved, ["rootCause": .string(rootCause), "resolution": .string(resolution), "by": .string(by)])
            let question = event(
                .confirmationRequested,
                [
                    "question": .string(settings.confirmationQuestion(for: record, rootCause: rootCause, resolution: resolution, customer: customer)),
                    "channel": .string(record.preferredChannel), "to": .object(record.replyTo),
                    "expiresAt": .time(now.addingTimeInterval(TimeInterval(settings.confirmationTimeout.components.seconds))),
                ]
            )
            return [
                PlannedCaseEvent(event: resolved, dedupKey: "case:\(id):resolve:\(cycle):\(idempotencyKey)"),
                PlannedCaseEvent(event: question, dedupKey: "case:\(id):confirmation:\(cycle):\(idempotencyKey)"),
            ]
        }
    }
}
