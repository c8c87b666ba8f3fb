/// Where an adapter puts messages. The gateway's sink wraps each message in an event,
/// routes it and appends it to the durable log; `submit` returns only after the commit.
public protocol IngestSink: Sendable {
    /// Stores messages, and the checkpoint that covers them, in one transaction.
    ///
    /// - Returns: one receipt per message, in order. A message whose (channel, dedup key)
    ///   is already stored gets the original event's id and `duplicate == true`.
    /// - Throws: when the log cannot commit; nothing was stored and the checkpoint did not move.
    func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt]

    /// The checkpoint committed last for this channel, or `nil` before the first.
    func lastCheckpoint() async throws -> String?

    /// The event ids of those of `dedupKeys` already stored for this channel, by key. For
    /// an adapter whose key scheme changed (it looks for the keys it gave before, so
    /// messages stored under the old scheme are not stored again), and for one whose
    /// message corrects an earlier one (`Feedback.supersedes` names the earlier event).
    func storedEventIds(forDedupKeys dedupKeys: [String]) async throws -> [String: String]
}

extension IngestSink {
    /// Stores one message without a checkpoint (push adapters).
    public func submit(_ message: InboundMessage) async throws -> IngestReceipt {
        try await submit([message], checkpoint: nil)[0]
    }
}

/// The outcome of storing one message.
public struct IngestReceipt: Sendable, Hashable {
    /// The event id: new, or the original's for a duplicate.
    public var eventId: String
    /// True when the message was already stored.
    public var duplicate: Bool
    /// Creates a receipt.
    public init(eventId: String, duplicate: Bool) {
        self.eventId = eventId
        self.duplicate = duplicate
    }
}
