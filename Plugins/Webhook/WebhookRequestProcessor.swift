import Foundation
import HTTPTypes
import ListeningPostKit

/// Turns one webhook request into a message, or into the exact problem to answer. Pure:
/// no I/O, the clock is passed in. Order matters: size, then signature (so unsigned
/// garbage gets 401, not a parse error), then media type, encoding and mapping.
struct WebhookRequestProcessor: Sendable {
    let settings: WebhookSettings

    func process(_ request: InboundHTTPRequest, now: Date) -> Result<InboundMessage, HTTPProblem> {
        Result { () throws(HTTPProblem) -> InboundMessage in try message(from: request, now: now) }
    }

    private func message(from request: InboundHTTPRequest, now: Date) throws(HTTPProblem) -> InboundMessage {
        if request.body.count > settings.maxBodySize { throw .tooLarge(limit: settings.maxBodySize) }
        try settings.signature?.verify(request, now: now)
        let payload = try request.payloadObject()
        let mapping = settings.mapping
        typealias Field = WebhookFieldMapping.Field

        var message = InboundMessage(dedupKey: try dedupKey(request, payload: payload), text: try mapping.string(.text, in: payload) ?? "")
        message.subject = try mapping.string(.subject, in: payload)
        message.conversationId = try mapping.string(.threadId, in: payload)
        message.occurredAt = try mapping.date(.occurredAt, in: payload)
        message.author.email = try mapping.string(.authorEmail, in: payload)?.trimmingASCIIWhitespace()
        message.author.id = try mapping.string(.authorId, in: payload)
        message.author.name = try mapping.string(.authorName, in: payload)
        message.author.handle = try mapping.string(.authorHandle, in: payload)
        message.feedback = try mapping.feedback(in: payload)
        if let phone = try mapping.string(.authorPhone, in: payload) {
            if let normalised = PhoneNumber.e164(phone) {
                message.author.phone = normalised
            } else {
                message.flags.insert(.invalidPhone)
                message.metadata["rawPhone"] = .string(phone)
            }
        }
        if settings.includePayload { message.metadata["payload"] = payload }
        return message
    }

    private func dedupKey(_ request: InboundHTTPRequest, payload: JSONValue) throws(HTTPProblem) -> String {
        let mapping = settings.mapping
        if mapping.explicitDedupKey {
            guard let key = try mapping.string(.dedupKey, in: payload), !key.isEmpty else {
                throw .malformed("dedup_key: \(mapping.pointers[.dedupKey]!) is missing")
            }
            return key
        }
        let fields = request.head.headerFields
        if let id = fields[HTTPField.Name("webhook-id")!], !id.isEmpty { return id }
        if let id = fields[HTTPField.Name("X-GitHub-Delivery")!], !id.isEmpty { return id }
        if let key = try? mapping.string(.dedupKey, in: payload), !key.isEmpty { return key }
        // No id anywhere: identical bodies are the same message (a sender's retry).
        return "sha256:" + Hex.sha256(request.body)
    }
}
