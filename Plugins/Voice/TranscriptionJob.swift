import Foundation
import ListeningPostKit

/// A voicemail waiting for the gateway's own transcript. The pending jobs are the voice
/// channel's checkpoint, committed with the voicemail itself, so an acknowledged voicemail
/// is transcribed even when the gateway dies before its transcriber has run.
struct TranscriptionJob: Codable, Sendable, Hashable {
    /// The provider's recording id (`RecordingSid`, `recording_uuid`).
    var recording: String
    /// Where the audio is fetched.
    var mediaURL: String
    /// Twilio's account SID, the user name of HTTP Basic on its media URLs.
    var account: String?
    /// `call:<id>` of the voicemail.
    var conversationId: String?
    var callerPhone: String?
    var provider: String
    var attempts: Int = 0

    /// The job of a stored voicemail: its recording (the dedup key's id, the attachment's URL).
    init?(voicemail: InboundMessage, provider: String, account: String? = nil) {
        guard voicemail.dedupKey.hasPrefix("voicemail:"), let url = voicemail.attachments.first?.url else { return nil }
        recording = String(voicemail.dedupKey.dropFirst("voicemail:".count))
        mediaURL = url
        self.account = account
        conversationId = voicemail.conversationId
        callerPhone = voicemail.author.phone
        self.provider = provider
    }

    /// The voicemail this job's transcript completes.
    var voicemailKey: String { "voicemail:\(recording)" }
    var transcriptKey: String { "transcript:\(recording)" }

    /// The transcript event: the text, or, after the last attempt, none and the reason.
    func transcript(text: String, engine: String?, failure: String?) -> InboundMessage {
        var message = InboundMessage(dedupKey: transcriptKey, text: failure == nil ? text : "")
        message.conversationId = conversationId
        message.author.phone = callerPhone
        message.flags.insert(TwilioVoiceParser.transcript)
        var voice: [String: JSONValue] = [
            "provider": .string(provider), "kind": "transcript", "completes": .string(voicemailKey),
            "status": failure == nil ? "completed" : "failed", "attempts": .number(Double(attempts)),
        ]
        voice[provider == "vonage" ? "recordingUuid" : "recordingSid"] = .string(recording)
        if let engine { voice["engine"] = .string(engine) }
        if let failure {
            message.flags.insert(TwilioVoiceParser.transcriptionFailed)
            voice["error"] = .string(failure)
        }
        message.metadata["voice"] = .object(voice)
        return message
    }

    /// The pending jobs as a checkpoint, and back.
    static func checkpoint(_ jobs: [TranscriptionJob]) -> String {
        String(decoding: (try? JSONEncoder.sorted.encode(jobs)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func jobs(fromCheckpoint checkpoint: String?) -> [TranscriptionJob] {
        guard let checkpoint, let data = checkpoint.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([TranscriptionJob].self, from: data)) ?? []
    }
}

extension JSONEncoder {
    fileprivate static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
