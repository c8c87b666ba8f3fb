import Foundation
import ListeningPostKit

/// One part of a concatenated (multi-part) SMS as Vonage delivers it: parts share the
/// sender and `concat-ref`, and arrive in any order.
struct ConcatenatedPart: Sendable, Hashable, Codable {
    /// `msisdn`.
    var sender: String
    /// `concat-ref`, shared by the parts of one message (and reused by the carrier later).
    var reference: String
    /// `concat-total`.
    var total: Int
    /// `concat-part`, from 1.
    var number: Int
    /// This part's own `messageId`.
    var messageId: String
    var text: String
    var occurredAt: Date?
    /// The part's parameters, for the assembled event's metadata.
    var metadata: [String: JSONValue]
}
