import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// The hotline as a listening post: Twilio Voice or Vonage Voice calls answered with a
/// greeting and a voicemail, each voicemail, missed call and transcript stored as an event.
/// Every Twilio request is verified with `X-Twilio-Signature`, every signed Vonage webhook
/// with its JWT; a callback is answered only after its event is committed, so the provider
/// retries what was not stored.
public struct VoiceAdapter: ChannelAdapter {
    public static let kind = "voice"
    public static let summary =
        "Phone calls (Twilio Voice, Vonage Voice): a greeting and a voicemail (TwiML or NCCO); voicemails, missed calls and "
        + "transcripts as events (X-Twilio-Signature, Vonage's signed JWT)."
    public static let configSpec = VoiceSettings.spec

    public let endpoints: [HTTPEndpoint]
    let settings: VoiceSettings
    let context: AdapterContext
    private let transcriber: VoicemailTranscriber?

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try VoiceSettings(config)
        self.settings = settings
        self.context = context
        let transcriber = settings.transcriber.map {
            VoicemailTranscriber(
                settings: $0,
                context: context,
                twilioAuthToken: settings.authTokens.first,
                vonage: settings.vonageApplication
            )
        }
        self.transcriber = transcriber
        switch settings.provider {
        case .twilio: endpoints = Self.twilioEndpoints(settings, context: context, transcriber: transcriber)
        case .vonage: endpoints = Self.vonageEndpoints(settings, context: context, transcriber: transcriber)
        }
    }

    private static func twilioEndpoints(_ settings: VoiceSettings, context: AdapterContext, transcriber: VoicemailTranscriber?) -> [HTTPEndpoint] {
        let parser = TwilioVoiceParser(
            keys: settings.keys,
            publicURL: settings.publicURL,
            maxBodySize: settings.maxBodySize,
            defaultRegion: settings.defaultRegion
        )
        // The same for every call: built once.
        let replies = Replies(
            goodbye: TwiML.goodbye(settings.thanks),
            voicemail: TwiML.answer(path: settings.path, greeting: settings.greeting, record: settings.record)
        )
        let callbacks = TwilioVoiceParser.Callback.allCases.filter {
            switch $0 {
            case .score, .reason: settings.survey != nil
            case .dialed: settings.desk != nil
            default: true
            }
        }
        return callbacks.map { callback in
            HTTPEndpoint(method: .post, path: settings.path + callback.rawValue, maxBodySize: settings.maxBodySize) { request in
                let fields: [String: String]
                do throws(HTTPProblem) {
                    fields = try parser.fields(request, callback: callback)
                } catch {
                    return context.reject(error)
                }
                return await Self.answer(
                    callback,
                    request: request,
                    fields: fields,
                    parser: parser,
                    settings: settings,
                    context: context,
                    transcriber: transcriber,
                    replies: replies
                )
            }
        }
    }

    /// What a verified request gets: TwiML, after its event (if any) is committed.
    private static func answer(
        _ callback: TwilioVoiceParser.Callback,
        request: InboundHTTPRequest,
        fields: [String: String],
        parser: TwilioVoiceParser,
        settings: VoiceSettings,
        context: AdapterContext,
        transcriber: VoicemailTranscriber?,
        replies: Replies
    ) async -> InboundHTTPResponse {
        func xml(_ text: String) -> InboundHTTPResponse {
            InboundHTTPResponse(status: .ok, headerFields: [.contentType: "text/xml"], body: Array(text.utf8))
        }
        let (goodbye, voicemail) = (replies.goodbye, replies.voicemail)
        let query = FormURLEncoded.firstValues((try? request.queryFields()) ?? [])
        switch callback {
        case .incoming:
            if let desk = settings.desk {
                switch context.openHours.isOpen(calendar: settings.calendar, at: context.clock.now()) {
                case true?:
                    return xml(TwiML.dial(path: settings.path, desk: desk.number, ringSeconds: desk.ringSeconds))
                case false?:
                    break
                case nil:
                    // `check` refuses an unknown calendar; a context without the gateway's has none.
                    context.logger.warning("calendar '\(settings.calendar)' is unknown; the call goes to voicemail")
                }
            }
            return xml(voicemail)
        case .recordingStatus:
            // Stores nothing (the voicemail came with `<Record action>`, which names the
            // caller; this callback does not): a transcription waiting for the file tries now.
            guard let recording = fields["RecordingSid"], !recording.isEmpty else { return context.reject(.malformed("RecordingSid is missing")) }
            if fields["RecordingStatus"] == "completed" { await transcriber?.recordingReady(recording) }
            return xml(TwiML.empty)
        case .score:
            guard let survey = settings.survey else { return context.reject(.malformed("this channel has no survey")) }
            let keys = fields["Digits"]
            let score = KeypadSurvey.score(keys: keys)
            let attempt = query["attempt"].flatMap(Int.init) ?? 1
            if score == nil, attempt < 2 { return xml(TwiML.askScore(path: settings.path, attempt: attempt + 1, survey: survey)) }
            let message = parser.surveyAnswer(score: score, keys: keys, survey: survey, fields: fields)
            return await context.store(message, what: "survey answer") { receipt in
                guard let score else { return xml(goodbye) }
                return xml(TwiML.askReason(path: settings.path, score: score, answer: receipt.eventId, survey: survey))
            }
        case .reason:
            guard let survey = settings.survey else { return context.reject(.malformed("this channel has no survey")) }
            guard let score = query["score"].flatMap(Int.init), (0...10).contains(score), let answer = query["answer"], !answer.isEmpty else {
                return context.reject(.malformed("score (0-10) and answer (the stored score's event id) are missing from the URL"))
            }
            // No words: the score is stored already, nothing more to keep.
            guard let speech = fields["SpeechResult"]?.trimmingASCIIWhitespace(), !speech.isEmpty else { return xml(goodbye) }
            let message = parser.surveyReason(score: score, answer: answer, speech: String(speech), survey: survey, fields: fields)
            return await context.store(message, what: "survey reason") { _ in xml(goodbye) }
        case .recorded, .missed, .transcript, .dialed:
            let message: InboundMessage
            do throws(HTTPProblem) {
                message = try parser.message(callback, fields: fields)
            } catch {
                return context.reject(error)
            }
            var reply = callback == .recorded ? goodbye : TwiML.empty
            // Nobody at the desk took it: the caller is asked for a voicemail.
            if callback == .dialed, message.flags.contains(TwilioVoiceParser.missedCall) { reply = voicemail }
            if callback == .recorded, let survey = settings.survey { reply = TwiML.askScore(path: settings.path, attempt: 1, survey: survey) }
            // Twilio transcribes recordings of up to 2 minutes when asked; the gateway does the rest.
            let duration = fields["RecordingDuration"].flatMap(Int.init) ?? 0
            let transcribes = callback == .recorded && (!settings.record.transcribe || duration > 120)
            let job = transcribes ? TranscriptionJob(voicemail: message, provider: "twilio", account: fields["AccountSid"]) : nil
            return await Self.store(message, job: job, transcriber: transcriber, context: context) { _ in xml(reply) }
        }
    }

    /// The TwiML every call of a channel gets at some point.
    struct Replies: Sendable {
        var goodbye: String
        var voicemail: String
    }

    /// Stores a call event; a voicemail the gateway transcribes, with its job in the same commit.
    static func store(
        _ message: InboundMessage,
        job: TranscriptionJob?,
        transcriber: VoicemailTranscriber?,
        context: AdapterContext,
        success: (IngestReceipt) -> InboundHTTPResponse
    ) async -> InboundHTTPResponse {
        guard let transcriber, let job else { return await context.store(message, what: "call event", success: success) }
        return await context.store(what: "call event", { try await transcriber.storeVoicemail(message, job: job) }, success: success)
    }

    public func run() async throws {
        let (provider, requests, unsigned, below) =
            settings.provider == .vonage
            ? ("Vonage Voice", "webhooks", settings.signatureSecrets.isEmpty, "answer URL; /recorded and /event below it")
            : ("Twilio Voice", "requests", settings.authTokens.isEmpty, "callbacks below it")
        if unsigned {
            context.logger.warning(
                """
                accepting UNSIGNED \(provider) \(requests) on \(settings.path) because insecure: true; \
                anyone who can reach this port can leave voicemails
                """
            )
        }
        context.logger.info("\(provider) listening on \(settings.path) (\(below))")
        guard let transcriber else {
            try? await gracefulShutdown()
            return
        }
        // The transcription queue runs until the channel stops; a job cut short is tried again at the next start.
        await cancelWhenGracefulShutdown { await transcriber.run() }
    }
}
