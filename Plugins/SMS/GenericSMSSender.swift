import Foundation
import HTTPTypes
import ListeningPostKit

/// Sends an SMS through any HTTP gateway, by a request the operator describes:
/// `generic.send: {url, format: json | form, fields: {to: "{{to}}", message: "{{text}}"},
/// token, provider_id: /id}`. Field values may hold `{{to}}` (E.164), `{{to_digits}}` (the
/// same without `+`), `{{text}}` and `{{id}}` (the outbox id). Every request carries
/// `Idempotency-Key: <outbox id>`, so a gateway that honours it never sends one twice.
///
/// 2xx is sent (the provider's id read at `provider_id`, else our id); 408, 429 (with its
/// `Retry-After`) and 5xx are retried; any other answer is final, with the start of the body.
struct GenericSMSSender: Sendable {
    enum Format: String, Sendable, CaseIterable {
        case json, form
    }

    var url: URL
    var format: Format
    /// Field name → value, in name order so requests are reproducible.
    var fields: [(name: String, value: String)]
    var token: Secret?
    /// Where the token goes; `Authorization` gets `Bearer <token>`, another header the token itself.
    var tokenHeader: String
    var providerId: JSONPointer?
    var timeout: Duration = .seconds(30)

    static let spec = ConfigSpec([
        .init("url", .string, required: true, example: "https://sms-gateway.example/api/messages", doc: "Where to POST each message."),
        .init("format", .oneOf(Format.allCases.map(\.rawValue)), default: "json", doc: "The body: a JSON object or a form of the fields."),
        .init(
            "fields",
            .stringMap,
            required: true,
            example: "{to: \"{{to}}\", message: \"{{text}}\", sender: ListeningPost}",
            doc:
                "The body's fields. Values may contain `{{to}}` (E.164), `{{to_digits}}` (without `+`), `{{text}}` and "
                + "`{{id}}` (the outbox id, also sent as `Idempotency-Key`)."
        ),
        .init("token", .string, secret: true, example: "${SMS_GATEWAY_TOKEN}", doc: "A credential sent with each request."),
        .init(
            "token_header",
            .string,
            default: "Authorization",
            doc: "The header the token goes in: `Authorization` sends `Bearer <token>`, any other header the token as is."
        ),
        .init("provider_id", .string, example: "/id", doc: "JSON Pointer to the gateway's message id in its answer."),
        .init(
            "timeout",
            .duration,
            default: "30s",
            doc: "How long one request may take; then it counts as a retryable failure (sent again with the same `Idempotency-Key`)."
        ),
    ])

    static let placeholders = ["{{to}}", "{{to_digits}}", "{{text}}", "{{id}}"]

    init(_ section: ConfigValues, errors: inout [ConfigError]) {
        let text = section.string("url") ?? ""
        let parsed = URL(string: text)
        if parsed?.host == nil || !(parsed?.scheme == "https" || parsed?.scheme == "http") {
            errors.append(section.invalid("url", "'\(text)' is not an http:// or https:// URL"))
        }
        url = parsed ?? URL(string: "http://invalid")!
        format = Format(rawValue: section.string("format") ?? "json") ?? .json
        fields = section.stringMap("fields").sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        if !fields.contains(where: { $0.value.contains("{{to}}") || $0.value.contains("{{to_digits}}") }) {
            errors.append(section.invalid("fields", "no field carries the recipient: use {{to}} or {{to_digits}}"))
        }
        if !fields.contains(where: { $0.value.contains("{{text}}") }) {
            errors.append(section.invalid("fields", "no field carries the message: use {{text}}"))
        }
        for field in fields {
            var rest = field.value
            for placeholder in Self.placeholders { rest = rest.replacingOccurrences(of: placeholder, with: "") }
            if let start = rest.range(of: "{{") {
                let tail = rest[start.lowerBound...].prefix(20)
                errors.append(section.invalid("fields", "\(field.name): '\(tail)…' is not one of \(Self.placeholders.joined(separator: ", "))"))
            }
        }
        token = section.secret("token")
        tokenHeader = section.string("token_header") ?? "Authorization"
        if HTTPField.Name(tokenHeader) == nil { errors.append(section.invalid("token_header", "'\(tokenHeader)' is not a header name")) }
        timeout = section.duration("timeout") ?? .seconds(30)
        if timeout <= .zero { errors.append(section.invalid("timeout", "must be longer than zero")) }
        providerId = section.string("provider_id").flatMap(JSONPointer.init)
        if let pointer = section.string("provider_id"), providerId == nil {
            errors.append(section.invalid("provider_id", "'\(pointer)' is not a JSON Pointer such as /id"))
        }
    }

    func request(for message: OutboundMessage) -> (head: HTTPRequest, body: [UInt8]) {
        let phone = message.to.phone ?? ""
        let values = [
            "{{to}}": phone, "{{to_digits}}": phone.hasPrefix("+") ? String(phone.dropFirst()) : phone, "{{text}}": message.text,
            "{{id}}": message.id,
        ]
        // One pass per field, so a customer's text that contains "{{id}}" stays as written.
        let rendered = fields.map { field in (name: field.name, value: Self.fill(field.value, values)) }
        var head = HTTPRequest(method: .post, url: url)
        head.headerFields[.accept] = "application/json"
        if let name = HTTPField.Name("Idempotency-Key") { head.headerFields[name] = message.id }
        if let token, let name = HTTPField.Name(tokenHeader) {
            head.headerFields[name] = name == .authorization ? "Bearer \(token.value)" : token.value
        }
        switch format {
        case .json:
            head.headerFields[.contentType] = "application/json"
            return (head, JSONValue.object(Dictionary(uniqueKeysWithValues: rendered.map { ($0.name, JSONValue.string($0.value)) })).compactJSON())
        case .form:
            head.headerFields[.contentType] = "application/x-www-form-urlencoded"
            return (head, Array(FormURLEncoded.encode(rendered).utf8))
        }
    }

    /// Replaces each placeholder once, left to right, never inside a value already put in.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            if let (placeholder, value) = values.first(where: { rest[open.lowerBound...].hasPrefix($0.key) }) {
                output += value
                rest = rest[rest.index(open.lowerBound, offsetBy: placeholder.count)...]
            } else {
                output += "{{"
                rest = rest[open.upperBound...]
            }
        }
        return output + rest
    }

    func outcome(_ response: OutboundHTTPResponse, id: String) -> Result<SendReceipt, SendFailure> {
        let status = response.head.status.code
        let excerpt = String(decoding: response.body.prefix(300), as: UTF8.self)
        if status == 408 || status == 429 || status >= 500 {
            return .failure(
                SendFailure(.retryable, "the SMS gateway answered \(status): \(excerpt)", retryAfter: SendFailure.retryAfter(response.head))
            )
        }
        guard (200..<300).contains(status) else { return .failure(SendFailure(.permanent, "the SMS gateway answered \(status): \(excerpt)")) }
        let providerId = providerId.flatMap { pointer in (try? JSONValue.parse(response.body)).flatMap { pointer.resolve(in: $0) } }
        switch providerId {
        case .string(let text)?: return .success(SendReceipt(providerId: text))
        case .number(let number)?: return .success(SendReceipt(providerId: String(Int64(number))))
        default: return .success(SendReceipt(providerId: id))
        }
    }

    func send(_ message: OutboundMessage, http: any OutboundHTTPClient) async throws(SendFailure) -> SendReceipt {
        guard message.to.phone != nil else { throw SendFailure(.permanent, "no phone number to send to") }
        let (head, body) = request(for: message)
        let response = try await http.sendToProvider(head, body: body, timeout: timeout, provider: "the SMS gateway")
        return try outcome(response, id: message.id).get()
    }
}
