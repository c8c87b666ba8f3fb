import Foundation
import HTTPTypes
import ListeningPostKit

/// A Discourse webhook delivery to a message, a deliberate "ignored", or the exact
/// problem to answer. Pure.
///
/// The body is JSON even when the hook is set to send a form content type (Discourse only
/// changes the header), so it is read as JSON either way.
struct DiscourseWebhookParser: Sendable {
    enum Outcome: Sendable, Equatable {
        case message(InboundMessage)
        /// Answered 200 and not stored, with the reason counted in metrics.
        case ignored(reason: String, detail: String)
    }

    /// Secrets accepted (current, then previous); empty only with `insecure: true`.
    let secrets: [String]
    let maxBodySize: Int

    static let eventHeader = HTTPField.Name("X-Discourse-Event")!
    static let signatureHeader = HTTPField.Name("X-Discourse-Event-Signature")!
    static let instanceHeader = HTTPField.Name("X-Discourse-Instance")!
    static let eventIdHeader = HTTPField.Name("X-Discourse-Event-Id")!

    func parse(_ request: InboundHTTPRequest) -> Result<Outcome, HTTPProblem> {
        Result { () throws(HTTPProblem) -> Outcome in try outcome(of: request) }
    }

    private func outcome(of request: InboundHTTPRequest) throws(HTTPProblem) -> Outcome {
        if request.body.count > maxBodySize { throw .tooLarge(limit: maxBodySize) }
        let fields = request.head.headerFields
        if !secrets.isEmpty {
            guard let signature = fields[Self.signatureHeader] else { throw .badSignature("missing X-Discourse-Event-Signature header") }
            guard HMACSignature.verifyPrefixedSHA256(header: signature, secrets: secrets, body: request.body) else {
                throw .badSignature("X-Discourse-Event-Signature does not match the body")
            }
        }
        guard let event = fields[Self.eventHeader], !event.isEmpty else { throw .malformed("missing X-Discourse-Event header") }
        if event == "ping" { return .ignored(reason: "ping", detail: "pong") }
        let edited: Bool
        switch event {
        case "post_created": edited = false
        case "post_edited": edited = true
        case "topic_created":
            // Its payload has the title but not the text; the topic's first post arrives as
            // post_created, with the title as its subject.
            return .ignored(reason: "topic_created", detail: "topics are recorded through their first post (post_created)")
        default:
            return .ignored(reason: "unhandled_event", detail: "\(event) is not a message; only post_created and post_edited are stored")
        }
        guard !request.body.isEmpty else { throw .malformed("the body is empty") }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(request.body))
        } catch {
            throw .malformed("the body is not a Discourse post event: \(Self.describe(error))")
        }
        guard let post = envelope.post else { throw .malformed("the body has no \"post\" object") }
        var message = post.message(instance: fields[Self.instanceHeader], edited: edited)
        if let eventId = fields[Self.eventIdHeader], case .object(var metadata)? = message.metadata["discourse"] {
            metadata["eventId"] = .string(eventId)
            message.metadata["discourse"] = .object(metadata)
        }
        return .message(message)
    }

    private struct Envelope: Decodable {
        var post: DiscoursePost?
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "\((context.codingPath + [key]).map(\.stringValue).joined(separator: ".")) is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        case DecodingError.dataCorrupted:
            return "not valid JSON"
        default:
            return "\(error)"
        }
    }
}
