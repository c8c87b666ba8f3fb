import Foundation
import ListeningPostKit

/// The ``IngestSink`` a channel's adapter writes to: wraps each message in a
/// ``MessageEvent``, picks its streams, appends to the log and counts the outcome.
public struct ChannelSink: IngestSink {
    /// The channel.
    public let channel: ChannelIdentity
    let log: any EventLog
    let ids: EventIDGenerator
    let metrics: ChannelMetrics
    let streams: @Sendable (MessageEvent) -> [String]
    let now: @Sendable () -> Date

    /// Creates a sink.
    /// - Parameter streams: the streams an event goes to (the router).
    public init(
        channel: ChannelIdentity, log: any EventLog, ids: EventIDGenerator, metrics: ChannelMetrics,
        streams: @escaping @Sendable (MessageEvent) -> [String] = DefaultStreams.for,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.channel = channel
        self.log = log
        self.ids = ids
        self.metrics = metrics
        self.streams = streams
        self.now = now
    }

    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        let receivedAt = now()
        let prepared = try messages.map { message -> PreparedEvent in
            guard !message.dedupKey.isEmpty else { throw EventLogError(description: "a message from \(channel.id) has an empty dedup key") }
            let event = MessageEvent(id: ids.next(), channel: channel, message: message, receivedAt: receivedAt)
            return PreparedEvent(id: event.id, dedupKey: message.dedupKey, payload: event.jsonBytes(), streams: streams(event))
        }
        let results = try await log.append(AppendRequest(channel: channel.id, events: prepared, checkpoint: checkpoint))
        let duplicates = results.filter(\.duplicate).count
        if results.count > duplicates { metrics.accepted(results.count - duplicates) }
        if duplicates > 0 { metrics.duplicates(duplicates) }
        return results
    }

    public func lastCheckpoint() async throws -> String? {
        try await log.checkpoint(channel: channel.id)
    }
}

/// Streams before routing rules exist: every event goes to `all` and to a stream named
/// after its channel.
public enum DefaultStreams {
    /// `["all", <channel id>]`.
    @Sendable public static func `for`(_ event: MessageEvent) -> [String] {
        ["all", event.channel]
    }
}
