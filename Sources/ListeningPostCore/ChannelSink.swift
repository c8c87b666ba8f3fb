import Foundation
import ListeningPostKit

/// The ``IngestSink`` a channel's adapter writes to: wraps each message in a
/// ``MessageEvent``, enriches and routes it, appends to the log and counts the outcome.
public struct ChannelSink: IngestSink {
    /// The channel.
    public let channel: ChannelIdentity
    let log: any EventLog
    let ids: EventIDGenerator
    let metrics: ChannelMetrics
    let router: EventRouter
    let now: @Sendable () -> Date

    /// Creates a sink.
    /// - Parameter router: enriches each event and picks its streams.
    public init(
        channel: ChannelIdentity, log: any EventLog, ids: EventIDGenerator, metrics: ChannelMetrics,
        router: EventRouter = EventRouter(),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.channel = channel
        self.log = log
        self.ids = ids
        self.metrics = metrics
        self.router = router
        self.now = now
    }

    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        let receivedAt = now()
        var provisional = Set<String>()
        let prepared = try messages.map { message -> PreparedEvent in
            guard !message.dedupKey.isEmpty else { throw EventLogError(description: "a message from \(channel.id) has an empty dedup key") }
            let routed = router.route(MessageEvent(id: ids.next(), channel: channel, message: message, receivedAt: receivedAt))
            if let id = routed.resolution?.provisionalId { provisional.insert(id) }
            return PreparedEvent(id: routed.event.id, dedupKey: message.dedupKey, payload: routed.event.jsonBytes(), streams: routed.streams)
        }
        let results = try await log.append(AppendRequest(channel: channel.id, events: prepared, checkpoint: checkpoint, provisionalCustomers: provisional))
        let duplicates = results.filter(\.duplicate).count
        if results.count > duplicates { metrics.accepted(results.count - duplicates) }
        if duplicates > 0 { metrics.duplicates(duplicates) }
        return results
    }

    public func lastCheckpoint() async throws -> String? {
        try await log.checkpoint(channel: channel.id)
    }
}
