import Foundation
import ListeningPostKit

/// Reassembles concatenated SMS. Pure state: parts waiting for their siblings, and the
/// part ids of recently finished messages (so a provider's retry of a part that was
/// already used is recognised, not started over). The whole state is small and is
/// committed as the channel's checkpoint, in the same transaction as any event it
/// produces, so a restart loses no waiting part and repeats no message.
struct ConcatenationAssembler: Sendable, Codable, Equatable {
    /// Parts of one message received so far.
    struct PendingSet: Sendable, Codable, Equatable {
        var parts: [ConcatenatedPart]
        /// When the first part arrived; the timeout counts from here.
        var firstReceivedAt: Date
    }

    /// What adding a part did.
    enum Outcome: Equatable {
        /// Stored; `missing` parts still to come.
        case waiting(missing: Int)
        /// The part completed a message.
        case completed(InboundMessage)
        /// The part was seen before (a retry); nothing changes.
        case repeated
    }

    private(set) var pending: [String: PendingSet] = [:]
    /// Part message ids of finished messages, with when they finished.
    private(set) var finished: [String: Date] = [:]

    /// How long finished part ids are remembered: Vonage retries for up to 24 hours.
    static let rememberFinished: TimeInterval = 24 * 3600
    /// At most this many finished part ids are kept (oldest dropped first).
    static let maxFinished = 2_000
    /// At most this many parts wait at once; beyond it the oldest set is given up as
    /// incomplete rather than growing without bound.
    static let maxPendingParts = 2_000

    init() {}

    static func key(_ part: ConcatenatedPart) -> String { "\(part.sender)/\(part.reference)/\(part.total)" }

    /// Adds a part. A completed message is removed from the waiting parts; an overflow of
    /// waiting parts gives up the oldest sets, returned in `overflow`.
    mutating func add(_ part: ConcatenatedPart, now: Date) -> (outcome: Outcome, overflow: [InboundMessage]) {
        if finished[part.messageId] != nil { return (.repeated, []) }
        let key = Self.key(part)
        var set = pending[key] ?? PendingSet(parts: [], firstReceivedAt: now)
        if set.parts.contains(where: { $0.messageId == part.messageId || $0.number == part.number }) { return (.repeated, []) }
        set.parts.append(part)
        if set.parts.count == part.total {
            pending[key] = nil
            return (.completed(finish(set, complete: true, now: now)), [])
        }
        pending[key] = set
        var overflow: [InboundMessage] = []
        while pending.values.reduce(0, { $0 + $1.parts.count }) > Self.maxPendingParts,
            let oldest = pending.min(by: { $0.value.firstReceivedAt < $1.value.firstReceivedAt })
        {
            pending[oldest.key] = nil
            overflow.append(finish(oldest.value, complete: false, now: now))
        }
        return (.waiting(missing: part.total - set.parts.count), overflow)
    }

    /// Gives up sets whose first part arrived more than `timeout` ago: each becomes a
    /// message flagged ``MessageFlag/incomplete`` with the parts that did arrive.
    mutating func expire(now: Date, timeout: TimeInterval) -> [InboundMessage] {
        var messages: [InboundMessage] = []
        for (key, set) in pending.sorted(by: { $0.value.firstReceivedAt < $1.value.firstReceivedAt })
        where now.timeIntervalSince(set.firstReceivedAt) >= timeout {
            pending[key] = nil
            messages.append(finish(set, complete: false, now: now))
        }
        finished = finished.filter { now.timeIntervalSince($0.value) < Self.rememberFinished }
        return messages
    }

    /// The earliest time a waiting set will time out, for the adapter's timer.
    func nextDeadline(timeout: TimeInterval) -> Date? {
        pending.values.map { $0.firstReceivedAt.addingTimeInterval(timeout) }.min()
    }

    private mutating func finish(_ set: PendingSet, complete: Bool, now: Date) -> InboundMessage {
        let parts = set.parts.sorted { $0.number < $1.number }
        for part in parts { finished[part.messageId] = now }
        if finished.count > Self.maxFinished {
            for (id, _) in finished.sorted(by: { $0.value < $1.value }).prefix(finished.count - Self.maxFinished) { finished[id] = nil }
        }
        let first = parts[0]
        // The parts' own ids identify the message: concat-ref alone is reused by carriers.
        var message = InboundMessage(dedupKey: "concat:" + parts.map(\.messageId).joined(separator: "+"), text: parts.map(\.text).joined())
        message.occurredAt = parts.compactMap(\.occurredAt).min()
        VonageRequestParser.identify(sender: first.sender, to: first.metadata["to"]?.stringValue, in: &message)
        var metadata = first.metadata
        metadata["messageId"] = nil
        metadata["concat-part"] = nil
        metadata["messageIds"] = .array(parts.map { .string($0.messageId) })
        metadata["partsReceived"] = .array(parts.map { .number(Double($0.number)) })
        message.metadata["vonage"] = .object(metadata)
        if !complete { message.flags.insert(.incomplete) }
        return message
    }
}

extension ConcatenationAssembler {
    /// The checkpoint text: versioned JSON.
    func checkpoint() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .secondsSince1970
        let body = (try? encoder.encode(Checkpoint(version: 1, state: self))) ?? Data()
        return String(decoding: body, as: UTF8.self)
    }

    /// Reads a checkpoint written by ``checkpoint()``; `nil` for anything else.
    static func restore(from checkpoint: String) -> ConcatenationAssembler? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let saved = try? decoder.decode(Checkpoint.self, from: Data(checkpoint.utf8)), saved.version == 1 else { return nil }
        return saved.state
    }

    private struct Checkpoint: Codable {
        var version: Int
        var state: ConcatenationAssembler
    }
}
