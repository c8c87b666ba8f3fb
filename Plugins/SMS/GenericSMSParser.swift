import Foundation
import HTTPTypes
import ListeningPostKit

/// Any SMS gateway that posts JSON or a form: fields found by JSON Pointer, an optional
/// hex HMAC-SHA256 of the body in a header, numbers normalised to E.164. Pure.
struct GenericSMSParser: Sendable {
    struct Field: Sendable, Hashable {
        let name: String
        let defaultPointer: String
        let doc: String

        static let text = Field(name: "text", defaultPointer: "/text", doc: "The message text.")
        static let from = Field(name: "from", defaultPointer: "/from", doc: "The sender's number; normalised to E.164 (see `default_region`).")
        static let to = Field(name: "to", defaultPointer: "/to", doc: "Your number the message was sent to.")
        static let id = Field(
            name: "id",
            defaultPointer: "/id",
            doc: "The gateway's message id, the dedup key. Without one, the SHA-256 of the body."
        )
        static let occurredAt = Field(
            name: "occurred_at",
            defaultPointer: "/timestamp",
            doc: "When it was sent: RFC 3339, or Unix seconds (milliseconds above 10^12)."
        )
        static let all = [text, from, to, id, occurredAt]
    }

    struct Signature: Sendable {
        let header: HTTPField.Name
        let secrets: [String]
    }

    let pointers: [Field: JSONPointer]
    let signature: Signature?
    let maxBodySize: Int
    let defaultRegion: String?

    init(_ config: ConfigValues, maxBodySize: Int, defaultRegion: String?) throws {
        var errors: [ConfigError] = []
        let mapping = config.object("mapping") ?? ConfigValues(path: "\(config.path).mapping", [:])
        var pointers: [Field: JSONPointer] = [:]
        for field in Field.all {
            let text = mapping.string(field.name) ?? field.defaultPointer
            if let pointer = JSONPointer(text) {
                pointers[field] = pointer
            } else {
                errors.append(mapping.invalid(field.name, "'\(text)' is not a JSON Pointer; it starts with / as in /message/body"))
            }
        }
        self.pointers = pointers
        if let section = config.object("signature") {
            let headerName = section.string("header") ?? "X-Signature"
            guard let header = HTTPField.Name(headerName) else { throw section.invalid("header", "'\(headerName)' is not a valid header name") }
            signature = Signature(header: header, secrets: [section.secret("secret"), section.secret("previous_secret")].compactMap { $0?.value })
        } else {
            signature = nil
        }
        self.maxBodySize = maxBodySize
        self.defaultRegion = defaultRegion
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    func parse(_ request: InboundHTTPRequest) -> Result<InboundMessage, HTTPProblem> {
        Result { () throws(HTTPProblem) -> InboundMessage in try message(from: request) }
    }

    private func message(from request: InboundHTTPRequest) throws(HTTPProblem) -> InboundMessage {
        if request.body.count > maxBodySize { throw .tooLarge(limit: maxBodySize) }
        if let signature {
            guard var given = request.head.headerFields[signature.header] else { throw .badSignature("missing \(signature.header) header") }
            if !given.hasPrefix("sha256=") { given = "sha256=" + given }
            guard HMACSignature.verifyPrefixedSHA256(header: given, secrets: signature.secrets, body: request.body) else {
                throw .badSignature("\(signature.header) does not match the body")
            }
        }
        let payload = try request.payloadObject()
        guard let from = try string(.from, in: payload) else { throw .malformed("from: \(pointers[.from]!) is missing") }
        var message = InboundMessage(
            dedupKey: try string(.id, in: payload).flatMap { $0.isEmpty ? nil : $0 } ?? "sha256:" + Hex.sha256(request.body),
            text: try string(.text, in: payload) ?? ""
        )
        if let phone = PhoneNumber.e164(from, defaultRegion: defaultRegion) {
            message.author.phone = phone
        } else {
            message.flags.insert(.invalidPhone)
            message.metadata["rawPhone"] = .string(from)
        }
        let to = try string(.to, in: payload).map { PhoneNumber.e164($0, defaultRegion: defaultRegion) ?? $0 }
        if let to { message.metadata["to"] = .string(to) }
        message.conversationId = "sms:\(message.author.phone ?? from):\(to ?? "")"
        message.occurredAt = try date(.occurredAt, in: payload)
        message.metadata["payload"] = payload
        return message
    }

    private func string(_ field: Field, in payload: JSONValue) throws(HTTPProblem) -> String? {
        try PayloadField.text(pointers[field]!.resolve(in: payload), field: field.name, pointer: pointers[field]!)
    }

    private func date(_ field: Field, in payload: JSONValue) throws(HTTPProblem) -> Date? {
        try PayloadField.date(pointers[field]!.resolve(in: payload), field: field.name, pointer: pointers[field]!)
    }
}
