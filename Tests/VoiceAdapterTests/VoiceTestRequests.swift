import Foundation
import HTTPTypes
import ListeningPostKit

@testable import SMSAdapter

/// Twilio Voice requests as Twilio sends them: a form POST signed with `X-Twilio-Signature`
/// over the public URL and the parameters, with the parameters Twilio's documents list for
/// each callback.
enum VoiceTestRequests {
    static let authToken = "twilio-voice-auth-token-00001"
    static let base = "https://voice.example.com/hooks/voice"
    static let account = "AC0123456789abcdef0123456789abcdef"

    /// The parameters every call request carries.
    static func call(_ callSid: String, from: String = "+12125550123") -> [(name: String, value: String)] {
        [
            ("AccountSid", account), ("ApiVersion", "2010-04-01"), ("CallSid", callSid), ("CallStatus", "in-progress"),
            ("Called", "+14155550100"), ("Caller", from), ("Direction", "inbound"), ("From", from), ("To", "+14155550100"),
        ]
    }

    /// `<Record action>`'s request when the caller left a message.
    static func recorded(
        _ callSid: String,
        recordingSid: String,
        duration: Int = 14,
        from: String = "+12125550123"
    ) -> [(name: String, value: String)] {
        call(callSid, from: from) + [
            ("RecordingSid", recordingSid), ("RecordingDuration", String(duration)),
            ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid)"), ("Digits", "hangup"),
        ]
    }

    /// `transcribeCallback`'s request.
    static func transcript(_ callSid: String, recordingSid: String, text: String, status: String = "completed") -> [(name: String, value: String)] {
        call(callSid) + [
            ("TranscriptionSid", "TR" + recordingSid.dropFirst(2)), ("TranscriptionText", text), ("TranscriptionStatus", status),
            ("TranscriptionUrl", "https://api.twilio.com/2010-04-01/Accounts/\(account)/Transcriptions/TR\(recordingSid.dropFirst(2))"),
            ("RecordingSid", recordingSid), ("RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid)"),
        ]
    }

    /// A signed POST to `suffix` below the channel's path.
    static func request(_ suffix: String, _ parameters: [(name: String, value: String)], token: String = authToken) -> InboundHTTPRequest {
        let form = parameters.map { "\(formEncode($0.name))=\(formEncode($0.value))" }.joined(separator: "&")
        var head = HTTPRequest(method: .post, scheme: "https", authority: "voice.example.com", path: "/hooks/voice" + suffix)
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[HTTPField.Name("X-Twilio-Signature")!] = TwilioSignature.sign(url: base + suffix, parameters: parameters, authToken: token)
        return InboundHTTPRequest(head: head, body: Array(form.utf8))
    }

    static func sid(_ prefix: String) -> String { prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased() }

    private static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
