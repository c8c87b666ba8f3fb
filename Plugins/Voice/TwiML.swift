/// The TwiML the voice channel answers with. Pure: a function of the settings and the
/// channel's path, so golden files pin it and twilio-python's `VoiceResponse` can be held
/// against it.
///
/// The `<Record>` has an `action`: without one Twilio requests the same URL again when the
/// recording ends, and the caller hears the greeting in a loop. After it, a `<Redirect>`:
/// Twilio runs the next verb only when the recording was empty (the caller said nothing),
/// which is how a missed call without a message reaches the gateway. The
/// `recordingStatusCallback` says when the recording file can be fetched.
enum TwiML {
    /// What the caller hears first.
    enum Greeting: Sendable, Hashable {
        case say(text: String, voice: String, language: String)
        case play(url: String)
    }

    /// The `<Record>` verb's settings.
    struct Record: Sendable, Hashable {
        var maxLengthSeconds: Int
        var timeoutSeconds: Int
        var finishOnKey: String
        var playBeep: Bool
        var trimSilence: Bool
        var transcribe: Bool
    }

    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// The answer to an incoming call: the greeting, the voicemail, and the missed-call
    /// redirect. Callback URLs are relative to `path`, which Twilio resolves against the
    /// URL it called.
    static func answer(path: String, greeting: Greeting, record: Record) -> String {
        var verbs = ""
        switch greeting {
        case .say(let text, let voice, let language):
            verbs += say(text, voice: voice, language: language)
        case .play(let url):
            verbs += "<Play>\(escape(url))</Play>"
        }
        var attributes: [(String, String)] = [
            ("action", path + "/recorded"), ("finishOnKey", record.finishOnKey), ("maxLength", String(record.maxLengthSeconds)),
            ("method", "POST"), ("playBeep", record.playBeep ? "true" : "false"), ("timeout", String(record.timeoutSeconds)),
            ("trim", record.trimSilence ? "trim-silence" : "do-not-trim"),
            // When the recording file is ready (or absent): the transcriber fetches it then.
            ("recordingStatusCallback", path + "/recording-status"), ("recordingStatusCallbackEvent", "completed absent"),
        ]
        if record.transcribe {
            attributes += [("transcribe", "true"), ("transcribeCallback", path + "/transcript")]
        }
        verbs += "<Record\(written(attributes)) />" + redirect(path + "/missed")
        return declaration + "<Response>\(verbs)</Response>"
    }

    /// In open hours: the call rings the desk for `ringSeconds`; how it ended comes to
    /// `/dialed` (`DialCallStatus`), whose answer is the voicemail when nobody picked up.
    static func dial(path: String, desk: String, ringSeconds: Int) -> String {
        let attributes = [("action", path + "/dialed"), ("method", "POST"), ("timeout", String(ringSeconds))]
        return declaration + "<Response><Dial\(written(attributes))>\(escape(desk))</Dial></Response>"
    }

    /// The answer after the voicemail: thanks, then hang up.
    static func goodbye(_ text: String) -> String {
        declaration + "<Response><Say>\(escape(text))</Say><Hangup /></Response>"
    }

    /// The NPS question on the keypad; with no keys, the `<Redirect>` comes back without
    /// `Digits` and is asked again (or given up) like a wrong key.
    static func askScore(path: String, attempt: Int, survey: KeypadSurvey) -> String {
        gather(
            action: "\(path)/score?attempt=\(attempt)",
            scoreKeys,
            asking: survey.question,
            survey: survey
        )
    }

    /// 0-10 on the keypad: one key, or `1` `0`, ended by `#` or the timeout.
    private static let scoreKeys = [("finishOnKey", "#"), ("input", "dtmf"), ("numDigits", "2")]

    /// The reason question, answered by speech; `answer` is the stored score's event id.
    static func askReason(path: String, score: Int, answer: String, survey: KeypadSurvey) -> String {
        gather(
            action: "\(path)/reason?score=\(score)&answer=\(answer)",
            [("input", "speech"), ("language", survey.language), ("speechTimeout", "auto")],
            asking: survey.reasonPrompt,
            survey: survey
        )
    }

    /// A question in a `<Gather>` posting to `action`, and the same `action` as the
    /// `<Redirect>` Twilio follows when nothing was gathered.
    private static func gather(action: String, _ attributes: [(String, String)], asking question: String, survey: KeypadSurvey) -> String {
        declaration + "<Response>" + gatherVerbs(action: action, attributes, asking: question, survey: survey) + "</Response>"
    }

    private static func gatherVerbs(action: String, _ attributes: [(String, String)], asking question: String, survey: KeypadSurvey) -> String {
        let all = attributes + [("action", action), ("method", "POST"), ("timeout", "6")]
        return "<Gather\(written(all))>" + say(question, voice: survey.voice, language: survey.language) + "</Gather>" + redirect(action)
    }

    /// A call the outbox places (the `Twiml` of Twilio's Calls API): the message said, then
    /// the keypad NPS question when the channel has a survey, else hang up. The survey's
    /// callbacks are absolute (`base` is the channel's public URL): inline TwiML has no
    /// document URL to resolve a relative one against.
    static func outboundCall(text: String, voice: String, language: String, survey: KeypadSurvey?, base: String) -> String {
        var verbs = say(text, voice: voice, language: language)
        if let survey {
            verbs += gatherVerbs(
                action: "\(base)/score?attempt=1",
                scoreKeys,
                asking: survey.question,
                survey: survey
            )
        } else {
            verbs += "<Hangup />"
        }
        return declaration + "<Response>\(verbs)</Response>"
    }

    private static func say(_ text: String, voice: String, language: String) -> String {
        "<Say\(written([("language", language), ("voice", voice)]))>\(escape(text))</Say>"
    }

    private static func redirect(_ url: String) -> String { #"<Redirect method="POST">\#(escape(url))</Redirect>"# }

    /// Attributes as ` name="value"`, sorted by name as twilio-python's VoiceResponse writes them.
    private static func written(_ attributes: [(String, String)]) -> String {
        attributes.sorted { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }.map { #" \#($0.0)="\#(escape($0.1))""# }.joined()
    }

    /// The answer to a missed call or a transcript callback: nothing more to do.
    static let empty = declaration + "<Response />"

    /// XML text and attribute escaping.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&apos;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
