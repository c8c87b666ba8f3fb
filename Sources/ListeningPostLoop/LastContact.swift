import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// The latest message a customer wrote, for sending to "the channel they last wrote on"
/// when nothing says where they want to be answered. Read back from the head of `all`
/// when asked, which is rare (most customers have a preferred channel from the directory
/// or their segment), rather than kept for every customer in memory.
public enum LastContact {
    /// How far back it looks, in events of `all`: a bound on the cost of one lookup.
    public static let window: Int64 = 100_000

    /// The newest message event of `customerId` among the last ``window`` events, on one of
    /// `channels` when given.
    public static func latestMessage(of customerId: String, in log: any EventLog, channels: Set<String>? = nil) async throws -> MessageEvent? {
        let head = try await log.headOffset(stream: RoutingRules.firehose)
        let needle = Array("\"id\":\"\(customerId)\"".utf8)
        var upper = head
        let decoder = JSONDecoder()
        while upper > 0, head - upper < window {
            let from = max(0, upper - 2_000)
            let entries = try await log.read(stream: RoutingRules.firehose, after: from, limit: Int(upper - from))
            for entry in entries.reversed() where entry.payload.contains(subsequence: needle) {
                guard let event = try? decoder.decode(MessageEvent.self, from: Data(entry.payload)), event.type == MessageEvent.messageReceivedType,
                    event.data.customer?.id == customerId, channels?.contains(event.channel) ?? true
                else { continue }
                return event
            }
            upper = from
        }
        return nil
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in it: a cheap test before decoding an event.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, count >= needle.count else { return needle.isEmpty }
        let first = needle[0]
        var index = 0
        while index <= count - needle.count {
            if self[index] == first, self[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
