import Foundation
import ListeningPostKit
import ListeningPostStore
import Logging
import Synchronization

/// The suppressions in force: per address, the latest change. A projection of the
/// `suppressions` stream, rebuilt at start and folded at commit, so a STOP acknowledged to
/// the carrier is in force for every send queued after it.
public final class SuppressionList: Projection, Sendable {
    private let latest = Mutex<[String: SuppressionEvent]>([:])

    public init() {}

    /// Whether an address is suppressed now, and by what.
    /// The suppression in force for where a message would go (its phone or email), with
    /// the address it names; `nil` when the message may go. The one check every sender
    /// makes: the outbox API, the case loop's confirmation question, the sender itself.
    public func suppression(for to: Author) -> (address: String, suppression: SuppressionEvent)? {
        guard let address = SuppressionEvent.address(of: to), let suppression = suppression(of: address) else { return nil }
        return (address, suppression)
    }

    public func suppression(of address: String) -> SuppressionEvent? {
        latest.withLock { $0[address] }.flatMap { $0.added ? $0 : nil }
    }

    /// Every suppression in force, oldest first.
    public var all: [SuppressionEvent] {
        latest.withLock { Array($0.values) }.filter(\.added).sorted { ($0.time, $0.address) < ($1.time, $1.address) }
    }

    public func committed(_ entries: [StreamEntry]) {
        let events = entries.filter { $0.stream == SuppressionEvent.stream }.compactMap { SuppressionEvent(event: $0.payload) }
        guard !events.isEmpty else { return }
        latest.withLock { latest in
            for event in events { latest[event.address] = event }
        }
    }

    public var stream: String { SuppressionEvent.stream }

    public func rebuiltSummary(events: Int64) -> String { "suppressions rebuilt: \(all.count) in force" }
}
