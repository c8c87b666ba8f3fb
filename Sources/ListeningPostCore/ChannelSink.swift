import Foundation
import ListeningPostKit
import ListeningPostStore
import Metrics

/// The ``IngestSink`` a channel's adapter writes to: wraps each message in a
/// ``MessageEvent``, enriches and routes it, appends to the log and counts the outcome.
public struct ChannelSink: IngestSink {
    /// The channel.
    public let channel: ChannelIdentity
    let log: any EventLog
    let ids: EventIDGenerator
    let metrics: ChannelMetrics
    let router: EventRouter
    let effects: any IngestEffects
    /// Where `listening_post_theme_mentions{theme,segment}` is counted; `nil`: not counted.
    let themeMetrics: (any MetricsFactory)?
    let now: @Sendable () -> Date

    /// Creates a sink.
    /// - Parameters:
    ///   - router: enriches each event and picks its streams.
    ///   - effects: what each routed event causes (the loop's notes and dependents).
    public init(
        channel: ChannelIdentity,
        log: any EventLog,
        ids: EventIDGenerator,
        metrics: ChannelMetrics,
        router: EventRouter = EventRouter(),
        effects: any IngestEffects = NoIngestEffects(),
        themeMetrics: (any MetricsFactory)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.channel = channel
        self.log = log
        self.ids = ids
        self.metrics = metrics
        self.router = router
        self.effects = effects
        self.themeMetrics = themeMetrics
        self.now = now
    }

    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        let receivedAt = now()
        var events: [MessageEvent] = []
        events.reserveCapacity(messages.count)
        for message in messages {
            guard !message.dedupKey.isEmpty else { throw EventLogError(description: "a message from \(channel.id) has an empty dedup key") }
            events.append(MessageEvent(id: ids.next(), channel: channel, message: message, receivedAt: receivedAt))
        }
        var provisional = Set<String>()
        let (routed, rules) = router.routeWithRules(events)
        let prepared = routed.map { routed -> PreparedEvent in
            if let id = routed.resolution?.provisionalId { provisional.insert(id) }
            var prepared = PreparedEvent(
                id: routed.event.id,
                dedupKey: routed.event.data.dedupKey,
                payload: routed.event.jsonBytes(),
                streams: routed.streams
            )
            effects.prepare(&prepared, for: routed, rules: rules, ids: ids)
            return prepared
        }
        let results = try await log.append(
            AppendRequest(channel: channel.id, events: prepared, checkpoint: checkpoint, provisionalCustomers: provisional)
        )
        if let themeMetrics {
            // Each new message's themes, negated mentions left out; a redelivery counts nothing.
            for (result, routed) in zip(results, routed) where !result.duplicate {
                for mention in routed.event.data.themes where !mention.negated {
                    Counter(
                        label: "listening_post_theme_mentions",
                        dimensions: [("theme", mention.theme), ("segment", routed.event.segment ?? "default")],
                        factory: themeMetrics
                    ).increment()
                }
            }
        }
        let duplicates = results.filter(\.duplicate).count
        if results.count > duplicates { metrics.accepted(results.count - duplicates) }
        if duplicates > 0 { metrics.duplicates(duplicates) }
        return results
    }

    public func lastCheckpoint() async throws -> String? {
        try await log.checkpoint(channel: channel.id)
    }

    public func storedEventIds(forDedupKeys dedupKeys: [String]) async throws -> [String: String] {
        try await log.storedEventIds(channel: channel.id, forDedupKeys: dedupKeys)
    }
}
