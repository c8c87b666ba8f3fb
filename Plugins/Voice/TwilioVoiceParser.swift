import Crypto
import Foundation
import ListeningPostKit
import SMSAdapter

/// Twilio Voice requests to messages, or the exact problem to answer. Pure.
///
/// A call becomes message events, so routes, case rules, subscribers and NPS treat it as
/// any other message; what kind of call event it is goes in ``flags`` (matchable with
/// `when: {flag: missed_call}`) and `metadata.voice.kind`:
/// - a **voicemail** (`<Record action>` with a `RecordingSid`): dedup `voicemail:<RecordingSid>`,
///   the recording as an attachment, its text empty until the transcript comes;
/// - a **missed call** (the `<Redirect>` after an empty recording): `missed:<CallSid>`;
/// - a **transcript** (`transcribeCallback`): `transcript:<RecordingSid>`, with the text,
///   naming the voicemail it completes in `metadata.voice.completes`, so a subscriber
///   joins them and nothing waited for it. A failed transcription is flagged.
/// Every one is correlated by `conversationId` `call:<CallSid>`.
struct TwilioVoiceParser: Sendable {
    let keys: [SymmetricKey]
    let publicURL: String?
    let maxBodySize: Int
    let defaultRegion: String?

    static let voicemail: MessageFlag = "voicemail"
    static let missedCall: MessageFlag = "missed_call"
    static let transcript: MessageFlag = "transcript"
    static let transcriptionFailed: MessageFlag = "transcription_failed"
    static let answeredCall: MessageFlag = "answered_call"

    /// Which callback a request is, by the path below the channel's.
    enum Callback: String, Sendable, CaseIterable {
        case incoming = ""
        case recorded = "/recorded"
        case missed = "/missed"
        case transcript = "/transcript"
        /// The recording file is ready (`completed`) or there is none (`absent`).
        case recordingStatus = "/recording-status"
        /// How the call to the desk ended (`<Dial action>`, with `desk:`).
        case dialed = "/dialed"
        /// The keypad survey's score (with `survey:`).
        case score = "/score"
        /// The keypad survey's reason, by speech (with `survey:`).
        case reason = "/reason"
    }

    /// The verified parameters of a request to `callback`, by name (first value wins).
    func fields(_ request: InboundHTTPRequest, callback: Callback) throws(HTTPProblem) -> [String: String] {
        let publicURL = self.publicURL.map { base in base + callback.rawValue }
        let parameters = try TwilioSignedForm.verify(request, keys: keys, publicURL: publicURL, maxBodySize: maxBodySize)
        let fields = FormURLEncoded.firstValues(parameters)
        guard let callSid = fields["CallSid"], !callSid.isEmpty else { throw .malformed("CallSid is missing") }
        return fields
    }

    /// The event of a voicemail, a missed call or a transcript.
    func message(_ callback: Callback, fields: [String: String]) throws(HTTPProblem) -> InboundMessage {
        let callSid = fields["CallSid"] ?? ""
        var message: InboundMessage
        let kind: String
        var voice: [String: JSONValue] = [:]
        switch callback {
        case .incoming, .score, .reason, .recordingStatus:
            throw .malformed("this request is answered, not stored as it is")
        case .recorded:
            guard let recordingSid = fields["RecordingSid"], !recordingSid.isEmpty else { throw .malformed("RecordingSid is missing") }
            guard let url = fields["RecordingUrl"], !url.isEmpty else { throw .malformed("RecordingUrl is missing") }
            let duration = fields["RecordingDuration"].flatMap(Int.init)
            message = InboundMessage(dedupKey: "voicemail:\(recordingSid)", text: "")
            message.flags.insert(Self.voicemail)
            // Twilio serves the recording as WAV at its URL, MP3 with `.mp3` appended.
            message.attachments = [Attachment(name: "\(recordingSid).wav", mediaType: "audio/wav", url: url)]
            kind = "voicemail"
            voice["recordingSid"] = .string(recordingSid)
            if let duration { voice["durationSeconds"] = .number(Double(duration)) }
            if let digits = fields["Digits"], !digits.isEmpty { voice["digits"] = .string(digits) }
        case .missed:
            message = InboundMessage(dedupKey: "missed:\(callSid)", text: "")
            message.flags.insert(Self.missedCall)
            kind = "missed_call"
        case .dialed:
            // `completed` (and `answered`, which some accounts send): the desk took the call.
            // busy, no-answer, failed, canceled (the caller gave up ringing): nobody did.
            guard let status = fields["DialCallStatus"], !status.isEmpty else { throw .malformed("DialCallStatus is missing") }
            voice["dialCallStatus"] = .string(status)
            if status == "completed" || status == "answered" {
                message = InboundMessage(dedupKey: "answered:\(callSid)", text: "")
                message.flags.insert(Self.answeredCall)
                kind = "call_answered"
                if let seconds = fields["DialCallDuration"].flatMap(Int.init) { voice["dialDurationSeconds"] = .number(Double(seconds)) }
            } else {
                message = InboundMessage(dedupKey: "missed:\(callSid)", text: "")
                message.flags.insert(Self.missedCall)
                kind = "missed_call"
            }
        case .transcript:
            guard let recordingSid = fields["RecordingSid"], !recordingSid.isEmpty else { throw .malformed("RecordingSid is missing") }
            let status = fields["TranscriptionStatus"] ?? ""
            let text = status == "completed" ? (fields["TranscriptionText"] ?? "") : ""
            message = InboundMessage(dedupKey: "transcript:\(recordingSid)", text: text)
            message.flags.insert(Self.transcript)
            if status != "completed" { message.flags.insert(Self.transcriptionFailed) }
            kind = "transcript"
            voice["recordingSid"] = .string(recordingSid)
            voice["completes"] = .string("voicemail:\(recordingSid)")
            voice["engine"] = "twilio"
            voice["status"] = .string(status)
        }
        return caller(message, kind: kind, fields: fields, extra: voice)
    }

    /// The keypad survey's answer: a score (`ivr:<CallSid>`), or, keys that were no score
    /// twice, the survey without feedback (flagged `survey_unanswered`).
    func surveyAnswer(score: Int?, keys: String?, survey: KeypadSurvey, fields: [String: String]) -> InboundMessage {
        let callSid = fields["CallSid"] ?? ""
        var message = InboundMessage(dedupKey: "ivr:\(callSid)", text: "")
        if let score {
            message.feedback = Feedback(score: score, survey: survey.id, source: .ivr)
        } else {
            message.flags.insert(KeypadSurvey.unanswered)
        }
        return caller(message, kind: "survey", fields: fields, extra: keys.map { ["digits": .string($0)] } ?? [:])
    }

    /// The reason, by speech, for a stored score: an answer superseding `answer`.
    func surveyReason(score: Int, answer: String, speech: String, survey: KeypadSurvey, fields: [String: String]) -> InboundMessage {
        let callSid = fields["CallSid"] ?? ""
        var message = InboundMessage(dedupKey: "ivr-reason:\(callSid)", text: speech)
        message.feedback = Feedback(score: score, reason: speech, survey: survey.id, source: .ivr, supersedes: answer)
        var extra: [String: JSONValue] = [:]
        if let confidence = fields["Confidence"].flatMap(Double.init) { extra["speechConfidence"] = .number(confidence) }
        return caller(message, kind: "survey_reason", fields: fields, extra: extra)
    }

    /// The caller, the correlation and the metadata every call event has.
    private func caller(_ message: InboundMessage, kind: String, fields: [String: String], extra: [String: JSONValue]) -> InboundMessage {
        var message = message
        let callSid = fields["CallSid"] ?? ""
        message.conversationId = "call:\(callSid)"
        // On a call the outbox placed, the customer is the one called.
        let outbound = fields["Direction"]?.hasPrefix("outbound") == true
        if let from = fields[outbound ? "To" : "From"], !from.isEmpty {
            if let number = PhoneNumber.e164(from, defaultRegion: defaultRegion) {
                message.author.phone = number
            } else {
                message.flags.insert(.invalidPhone)
                message.metadata["rawPhone"] = .string(from)
            }
        }
        var voice: [String: JSONValue] = ["provider": "twilio", "callSid": .string(callSid), "kind": .string(kind)]
        voice.merge(extra) { $1 }
        if let to = fields[outbound ? "From" : "To"] { voice["to"] = .string(PhoneNumber.e164(to, defaultRegion: defaultRegion) ?? to) }
        if outbound { voice["direction"] = "outbound" }
        message.metadata["voice"] = .object(voice)
        var twilio: [String: JSONValue] = [:]
        for (name, value) in fields where name != "TranscriptionText" && name != "SpeechResult" { twilio[name] = .string(value) }
        message.metadata["twilio"] = .object(twilio)
        return message
    }
}
