import Foundation
import HTTPTypes
import ListeningPostKit

/// Vonage's inbound-SMS webhook (GET, POST form or POST JSON) to a message, or to one part
/// of a concatenated message, or to the exact problem to answer. Pure; the clock is
/// passed in for the signature's timestamp window.
struct VonageRequestParser: Sendable {
    /// What one request carries.
    enum Inbound: Sendable {
        case message(InboundMessage)
        case part(ConcatenatedPart)
    }

    /// Signature check; `nil` only with `insecure: true`.
    let signature: VonageSignature?
    let secrets: [String]
    /// How far `timestamp` may be from now, either way. Vonage documents the timestamp as
    /// the replay defence but gives no window; five minutes is our choice.
    let tolerance: Duration
    let maxBodySize: Int

    func parse(_ request: InboundHTTPRequest, now: Date) -> Result<Inbound, HTTPProblem> {
        Result { () throws(HTTPProblem) -> Inbound in try inbound(from: request, now: now) }
    }

    private func inbound(from request: InboundHTTPRequest, now: Date) throws(HTTPProblem) -> Inbound {
        if request.body.count > maxBodySize { throw .tooLarge(limit: maxBodySize) }
        let fields = try parameters(of: request)
        if let signature {
            guard fields["sig"] != nil else { throw .badSignature("missing sig parameter") }
            guard signature.isValid(fields, secrets: secrets) else { throw .badSignature("sig does not match the parameters") }
            guard let stamp = fields["timestamp"].flatMap(Double.init) else { throw .badSignature("missing or non-numeric timestamp parameter") }
            let skew = abs(now.timeIntervalSince1970 - stamp)
            guard skew <= Double(tolerance.components.seconds) else {
                throw .badSignature(
                    "timestamp \(fields["timestamp"]!) is \(Int(skew)) s from now, outside the \(tolerance.components.seconds) s window"
                )
            }
        }
        guard let sender = fields["msisdn"], !sender.isEmpty else { throw .malformed("msisdn is missing") }
        guard let messageId = fields["messageId"], !messageId.isEmpty else { throw .malformed("messageId is missing") }
        let occurredAt = try fields["message-timestamp"].map { text throws(HTTPProblem) -> Date in
            guard let date = Self.messageTimestamp(text) else { throw .malformed("message-timestamp must be YYYY-MM-DD HH:MM:SS, got '\(text)'") }
            return date
        }
        var metadata: [String: JSONValue] = [:]
        for (name, value) in fields where !["text", "sig", "nonce"].contains(name) { metadata[name] = .string(value) }

        if fields["concat"] == "true" {
            guard let reference = fields["concat-ref"], !reference.isEmpty else { throw .malformed("concat is true but concat-ref is missing") }
            guard let total = fields["concat-total"].flatMap(Int.init), (2...255).contains(total) else {
                throw .malformed("concat-total must be a whole number from 2 to 255, got '\(fields["concat-total"] ?? "")'")
            }
            guard let number = fields["concat-part"].flatMap(Int.init), (1...total).contains(number) else {
                throw .malformed("concat-part must be a whole number from 1 to \(total), got '\(fields["concat-part"] ?? "")'")
            }
            return .part(
                ConcatenatedPart(
                    sender: sender,
                    reference: reference,
                    total: total,
                    number: number,
                    messageId: messageId,
                    text: fields["text"] ?? "",
                    occurredAt: occurredAt,
                    metadata: metadata
                )
            )
        }
        var message = InboundMessage(dedupKey: messageId, text: fields["text"] ?? "")
        message.occurredAt = occurredAt
        Self.identify(sender: sender, to: fields["to"], in: &message)
        message.metadata["vonage"] = .object(metadata)
        return .message(message)
    }

    /// Sender and recipient as Vonage writes them: international digits without `+`.
    static func identify(sender: String, to: String?, in message: inout InboundMessage) {
        if let phone = PhoneNumber.e164(sender.hasPrefix("+") ? sender : "+" + sender) {
            message.author.phone = phone
        } else {
            message.flags.insert(.invalidPhone)
            message.metadata["rawPhone"] = .string(sender)
        }
        let recipient = to.map { PhoneNumber.e164($0.hasPrefix("+") ? $0 : "+" + $0) ?? $0 }
        if let recipient { message.metadata["to"] = .string(recipient) }
        message.conversationId = "sms:\(message.author.phone ?? sender):\(recipient ?? "")"
    }

    /// The request's parameters, from the query (GET), a form body or a JSON object body.
    private func parameters(of request: InboundHTTPRequest) throws(HTTPProblem) -> [String: String] {
        var fields: [String: String] = [:]
        if request.head.method == .get || request.body.isEmpty {
            for (name, value) in try request.queryFields() where fields[name] == nil { fields[name] = value }
            if fields.isEmpty { throw .malformed(request.head.method == .get ? "the query string is empty" : "the body is empty") }
            return fields
        }
        guard case .object(let members) = try request.payloadObject() else { return fields }
        for (name, value) in members {
            switch value {
            case .string(let text): fields[name] = text
            case .number, .bool: fields[name] = String(decoding: value.compactJSON(), as: UTF8.self)
            case .array(let values): if case .string(let first)? = values.first { fields[name] = first }
            default: break
            }
        }
        return fields
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    static func messageTimestamp(_ text: String) -> Date? {
        let parts = text.split(whereSeparator: { $0 == "-" || $0 == " " || $0 == ":" }).map { Int($0) }
        guard parts.count == 6, parts.allSatisfy({ $0 != nil }) else { return nil }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (parts[0], parts[1], parts[2])
        (components.hour, components.minute, components.second) = (parts[3], parts[4], parts[5])
        guard components.isValidDate(in: Calendar(identifier: .gregorian)) else { return nil }
        return Calendar(identifier: .gregorian).date(from: components)
    }
}
