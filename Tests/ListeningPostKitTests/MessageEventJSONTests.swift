import Foundation
import Testing

@testable import ListeningPostKit

/// The hand-written event writer against Foundation's `JSONEncoder` with sorted keys, which
/// wrote the stored form before it: same bytes, and it decodes back to the same event.
struct MessageEventJSONTests {
    static let receivedAt = Date(timeIntervalSince1970: 1_795_000_000.125)

    static var events: [MessageEvent] {
        let channel = ChannelIdentity(id: "support-mail", kind: "imap")
        var bare = MessageEvent(
            id: "019a0000-0000-7000-8000-000000000001",
            channel: channel,
            message: InboundMessage(dedupKey: "k1", text: ""),
            receivedAt: receivedAt
        )
        bare.data.metadata = [:]

        var message = InboundMessage(dedupKey: "<a/b@example.com>", text: "Line one\nTab\there \"quoted\" back\\slash / slash\u{01} é 😀")
        message.author = Author(email: "ana@example.com", phone: "+14155550100", handle: "ana", name: "Ana Lima", id: "u-1")
        message.conversationId = "thread-9"
        message.subject = "Re: order #42"
        message.attachments = [
            Attachment(
                name: "photo.jpg",
                mediaType: "image/jpeg",
                size: 1234,
                sha256: String(repeating: "ab", count: 32),
                url: "https://example.com/m/1"
            ),
            Attachment(mediaType: "text/plain"),
            Attachment(
                mediaType: "message/rfc822",
                size: 311,
                message: AttachedMessage(
                    from: "dana@example.org",
                    subject: "Late",
                    date: Date(timeIntervalSince1970: 1_794_998_000),
                    messageId: "inner-1@example.org"
                )
            ),
        ]
        message.occurredAt = Date(timeIntervalSince1970: 1_794_999_000)
        message.flags = [.invalidPhone, .autoReply]
        message.metadata = ["score": 9, "ratio": .number(0.75), "tags": ["a", "b"], "nested": ["x": .null, "y": true], "big": .number(1e20)]
        var full = MessageEvent(id: "019a0000-0000-7000-8000-000000000002", channel: channel, message: message, receivedAt: receivedAt)
        full.segment = "gold"
        full.data.segment = "gold"
        full.data.customer = CustomerReference(id: "cus_1", provisional: false)
        full.data.preferredChannel = "sms"
        full.data.feedback = Feedback(
            score: 9,
            reason: "Quick \"answer\"",
            survey: "q4",
            source: .reply,
            supersedes: "019a0000-0000-7000-8000-000000000001"
        )
        return [bare, full]
    }

    @Test(arguments: events)
    func writesWhatJSONEncoderWrote(_ event: MessageEvent) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let reference = String(decoding: try encoder.encode(event), as: UTF8.self)
        #expect(String(decoding: event.jsonBytes(), as: UTF8.self) == reference)
    }

    @Test(arguments: events)
    func decodesBackToTheSameEvent(_ event: MessageEvent) throws {
        #expect(try MessageEvent.decode(event.jsonBytes()) == event)
    }

    @Test func compactJSONSortsKeysByCodePoint() {
        let value: JSONValue = ["b": 1, "B": 2, "a": ["z": "1", "y": .null]]
        #expect(String(decoding: value.compactJSON(), as: UTF8.self) == #"{"B":2,"a":{"y":null,"z":"1"},"b":1}"#)
    }
}
