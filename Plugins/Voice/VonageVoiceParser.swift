import Crypto
import Foundation
import HTTPTypes
import ListeningPostKit

/// Vonage Voice requests to messages, or the exact problem to answer. Pure.
///
/// The answer webhook (`GET` with the call in the query, or `POST` with it as JSON) is not
/// signed by Vonage, and the record webhook that follows does not name the caller. So the
/// answer puts the caller's number in the record webhook's URL, with an HMAC of it and the
/// conversation made with the signature secret: the voicemail's caller is one this
/// gateway answered, on that very conversation, and Vonage's JWT proves the rest.
///
/// A voicemail is `voicemail:<recording_uuid>`, correlated by `call:<conversation_uuid>`,
/// with the recording (WAV, its size) as an attachment and flagged `voicemail`, as Twilio's.
struct VonageVoiceParser: Sendable {
    /// Signs the caller into the record URL; `nil` with `insecure: true` and no secret.
    let callerKeys: [SymmetricKey]
    let publicURL: String
    let defaultRegion: String?

    /// The call, from the answer webhook.
    struct Call: Sendable, Equatable {
        var from: String
        var to: String
        var conversationUUID: String
    }

    /// Which request a path below the channel's is.
    enum Callback: String, Sendable, CaseIterable {
        /// The answer webhook (the application's answer URL).
        case answer = ""
        /// The record action's `eventUrl`.
        case recorded = "/recorded"
        /// The application's event URL: call status changes, acknowledged and not stored.
        case event = "/event"
    }

    func call(_ request: InboundHTTPRequest) throws(HTTPProblem) -> Call {
        var fields = FormURLEncoded.firstValues(try request.queryFields())
        if request.head.method == .post, !request.body.isEmpty, case .object(let members) = try request.payloadObject() {
            for (name, value) in members { if let text = value.stringValue { fields[name] = text } }
        }
        guard let conversation = fields["conversation_uuid"], !conversation.isEmpty else { throw .malformed("conversation_uuid is missing") }
        return Call(from: fields["from"] ?? "", to: fields["to"] ?? "", conversationUUID: conversation)
    }

    /// The record action's `eventUrl` for this call: the caller and its signature in the query.
    func recordURL(for call: Call) -> String {
        var query = [("from", call.from), ("to", call.to)]
        if let key = callerKeys.first { query.append(("sig", Self.signature(call, key: key))) }
        return publicURL + Callback.recorded.rawValue + "?" + FormURLEncoded.encode(query)
    }

    /// The voicemail of a record webhook (already verified as Vonage's).
    func voicemail(_ request: InboundHTTPRequest) throws(HTTPProblem) -> InboundMessage {
        guard case .object(let body) = try request.payloadObject() else { throw .malformed("the JSON body must be an object") }
        let query = FormURLEncoded.firstValues(try request.queryFields())
        guard let recording = body["recording_uuid"]?.stringValue, !recording.isEmpty else { throw .malformed("recording_uuid is missing") }
        guard let url = body["recording_url"]?.stringValue, !url.isEmpty else { throw .malformed("recording_url is missing") }
        guard let conversation = body["conversation_uuid"]?.stringValue, !conversation.isEmpty else {
            throw .malformed("conversation_uuid is missing")
        }
        let call = Call(from: query["from"] ?? "", to: query["to"] ?? "", conversationUUID: conversation)
        if !callerKeys.isEmpty {
            guard let signature = query["sig"], callerKeys.contains(where: { ConstantTime.equals(Self.signature(call, key: $0), signature) }) else {
                throw .badSignature("the caller in the URL was not signed by this gateway for conversation \(conversation)")
            }
        }
        var message = InboundMessage(dedupKey: "voicemail:\(recording)", text: "")
        message.conversationId = "call:\(conversation)"
        message.flags.insert(TwilioVoiceParser.voicemail)
        let size = body["size"]?.numberValue.map { Int($0) }
        message.attachments = [Attachment(name: "\(recording).wav", mediaType: "audio/wav", size: size, url: url)]
        var voice: [String: JSONValue] = [
            "provider": "vonage", "kind": "voicemail", "conversationUuid": .string(conversation), "recordingUuid": .string(recording),
        ]
        let start = body["start_time"]?.stringValue.flatMap(RFC3339.date(from:))
        let end = body["end_time"]?.stringValue.flatMap(RFC3339.date(from:))
        if let start, let end, end >= start { voice["durationSeconds"] = .number(end.timeIntervalSince(start).rounded()) }
        if let start { message.occurredAt = start }
        if !call.to.isEmpty { voice["to"] = .string(Self.e164(call.to, defaultRegion: defaultRegion) ?? call.to) }
        message.metadata["voice"] = .object(voice)
        message.metadata["vonage"] = .object(body)
        if !call.from.isEmpty {
            if let number = Self.e164(call.from, defaultRegion: defaultRegion) {
                message.author.phone = number
            } else {
                message.flags.insert(.invalidPhone)
                message.metadata["rawPhone"] = .string(call.from)
            }
        }
        return message
    }

    /// Vonage writes numbers in international form without the `+` (`447700900000`).
    static func e164(_ number: String, defaultRegion: String?) -> String? {
        let international = !number.isEmpty && number.allSatisfy(\.isASCIIDigit) ? "+" + number : number
        return PhoneNumber.e164(international, defaultRegion: defaultRegion)
    }

    /// Base64url HMAC-SHA256 of the conversation, the caller and the number called.
    static func signature(_ call: Call, key: SymmetricKey) -> String {
        let text = "\(call.conversationUUID)\n\(call.from)\n\(call.to)"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)
        return Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
