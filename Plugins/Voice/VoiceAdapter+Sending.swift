import ListeningPostKit
import SMSAdapter

extension VoiceAdapter: ChannelSender {
    /// Only with `twilio.account_sid` and `twilio.from`: the outbox places a call.
    public var canSend: Bool { settings.caller != nil }

    /// Places a call through Twilio's Calls API (`Calls.json`, `To`, `From`, `Twiml`): the
    /// message is said, then, with `survey:`, the keypad NPS question, whose answers come back
    /// to this channel's `/score` like those after a voicemail. Twilio accepting the call is
    /// the send; whether it was answered is not known here.
    public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let caller = settings.caller else {
            throw SendFailure(.permanent, "this voice channel places no calls: set twilio.account_sid and twilio.from")
        }
        return try await caller.rest.post("Calls.json", form: try callForm(message, from: caller.from), http: context.http)
    }

    /// The Calls API form for a message: `To`, `From`, `Twiml`. Pure, for tests.
    func callForm(_ message: OutboundMessage, from: String) throws(SendFailure) -> [(name: String, value: String)] {
        guard let to = message.to.phone else { throw SendFailure(.permanent, "no phone number to call") }
        let twiml = TwiML.outboundCall(
            text: message.text,
            voice: settings.voice,
            language: settings.language,
            survey: settings.survey,
            base: settings.publicURL ?? settings.path
        )
        // Twilio's limit for inline TwiML.
        guard twiml.utf8.count <= 4_000 else {
            throw SendFailure(.permanent, "the call's TwiML is \(twiml.utf8.count) bytes; Twilio takes at most 4000: shorten the message")
        }
        return [("To", to), ("From", from), ("Twiml", twiml)]
    }
}
