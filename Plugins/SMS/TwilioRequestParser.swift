import Crypto
import HTTPTypes
import ListeningPostKit

/// Twilio's inbound-message webhook to a message, or the exact problem to answer. Pure.
///
/// Order: size, then signature (unsigned garbage gets 401, not a parse error), then the
/// parameters. The signature is checked over whatever parameters arrive, never a fixed
/// list, because Twilio adds parameters without notice.
struct TwilioRequestParser: Sendable {
    /// Auth Tokens accepted (current, then previous); empty only with `insecure: true`.
    let authTokens: [String]
    /// The webhook URL exactly as configured at Twilio, when the gateway sits behind a proxy.
    let publicURL: String?
    let maxBodySize: Int
    let defaultRegion: String?
    /// The tokens as HMAC keys, made once.
    private let keys: [SymmetricKey]

    init(authTokens: [String], publicURL: String?, maxBodySize: Int, defaultRegion: String?) {
        self.authTokens = authTokens
        self.publicURL = publicURL
        self.maxBodySize = maxBodySize
        self.defaultRegion = defaultRegion
        keys = authTokens.map { SymmetricKey(data: Array($0.utf8)) }
    }

    func parse(_ request: InboundHTTPRequest) -> Result<InboundMessage, HTTPProblem> {
        Result { () throws(HTTPProblem) -> InboundMessage in try message(from: request) }
    }

    private func message(from request: InboundHTTPRequest) throws(HTTPProblem) -> InboundMessage {
        let parameters = try TwilioSignedForm.verify(request, keys: keys, publicURL: publicURL, maxBodySize: maxBodySize)
        let fields = FormURLEncoded.firstValues(parameters)
        guard let sid = fields["MessageSid"] ?? fields["SmsMessageSid"], !sid.isEmpty else { throw .malformed("MessageSid is missing") }
        guard let from = fields["From"], !from.isEmpty else { throw .malformed("From is missing") }

        var message = InboundMessage(dedupKey: sid, text: fields["Body"] ?? "")
        var metadata: [String: JSONValue] = [:]
        let fromNumber = PhoneNumber.e164(from, defaultRegion: defaultRegion)
        if let fromNumber {
            message.author.phone = fromNumber
        } else {
            message.flags.insert(.invalidPhone)
            message.metadata["rawPhone"] = .string(from)
        }
        let to = fields["To"].map { PhoneNumber.e164($0, defaultRegion: defaultRegion) ?? $0 }
        if let to { message.metadata["to"] = .string(to) }
        message.conversationId = "sms:\(fromNumber ?? from):\(to ?? "")"

        let mediaCount = fields["NumMedia"].map { Int($0) } ?? 0
        guard let mediaCount, (0...50).contains(mediaCount) else {
            throw .malformed("NumMedia must be a whole number from 0 to 50, got '\(fields["NumMedia"] ?? "")'")
        }
        for index in 0..<mediaCount {
            guard let url = fields["MediaUrl\(index)"] else { throw .malformed("NumMedia is \(mediaCount) but MediaUrl\(index) is missing") }
            message.attachments.append(Attachment(mediaType: fields["MediaContentType\(index)"] ?? "application/octet-stream", url: url))
        }
        metadata.reserveCapacity(fields.count)
        for (name, value) in fields
        where name != "Body" && !(name.hasPrefix("Media") && (name.hasPrefix("MediaUrl") || name.hasPrefix("MediaContentType"))) {
            metadata[name] = .string(value)
        }
        message.metadata["twilio"] = .object(metadata)
        return message
    }

    /// TwiML for "received, no reply", exactly as Twilio's own library writes it.
    static let emptyResponse = Array(#"<?xml version="1.0" encoding="UTF-8"?><Response />"#.utf8)
}
