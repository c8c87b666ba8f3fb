import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// The loop's part of ingest: each message's NPS answer (for the NPS projection) and case
/// signal (for the case planner, when case rules are on) as notes, and the suppression an
/// SMS STOP or START causes, committed with the message: once the carrier has our 2xx,
/// the opt-out is in force.
public struct LoopIngestEffects: IngestEffects {
    /// Creates it.
    public init() {}

    public func prepare(_ event: inout PreparedEvent, for routed: RoutedEvent, rules: EventRouter.Rules, ids: EventIDGenerator) {
        event.notes[NPSAnswer.self] = NPSAnswer(event: routed.event)
        event.notes[CaseSignal.self] = rules.cases.signal(for: routed)
        event.dependents += Self.suppression(routed.event, ids: ids)
    }

    /// An SMS that is exactly STOP (or START, …) suppresses (or lifts) its number.
    static func suppression(_ event: MessageEvent, ids: EventIDGenerator) -> [PreparedEvent] {
        guard event.channelKind == "sms", let phone = event.data.author.phone, let added = SuppressionEvent.keyword(in: event.data.text) else {
            return []
        }
        let change = SuppressionEvent(id: ids.next(), address: phone, added: added, source: "keyword", by: event.id, time: event.data.receivedAt)
        return [change.prepared(dedupKey: "suppression:\(event.data.dedupKey)")]
    }
}
