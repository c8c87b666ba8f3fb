import ListeningPostKit
import ListeningPostStore

/// What a routed message causes at ingest, decided before it is stored: notes for the
/// projections and the planner (the loop's NPS answer and case signal) and events that
/// exist because of it (an SMS STOP's suppression), committed with it. The seam through
/// which the loop module plugs into ingest without Core or the store knowing cases,
/// answers or STOP.
public protocol IngestEffects: Sendable {
    /// Adds to `event` (its ``PreparedEvent/notes`` and ``PreparedEvent/dependents``) what
    /// `routed` causes under `rules`, the rules the batch was routed with.
    func prepare(_ event: inout PreparedEvent, for routed: RoutedEvent, rules: EventRouter.Rules, ids: EventIDGenerator)
}

/// Ingest that causes nothing: a gateway without the loop, a test of routing alone.
public struct NoIngestEffects: IngestEffects {
    /// Creates it.
    public init() {}

    public func prepare(_ event: inout PreparedEvent, for routed: RoutedEvent, rules: EventRouter.Rules, ids: EventIDGenerator) {}
}
