import Crypto
import ListeningPostKit

/// A `voice` channel's validated config: where Twilio calls, how calls are answered, and
/// how callbacks are verified.
struct VoiceSettings: Sendable {
    var path: String
    var authTokens: [String]
    /// The channel's base URL as configured at Twilio, when a proxy is in front.
    var publicURL: String?
    var maxBodySize: Int
    var defaultRegion: String?
    var greeting: TwiML.Greeting
    var record: TwiML.Record
    var thanks: String
    /// The keypad NPS survey after the voicemail, when configured.
    var survey: KeypadSurvey?

    static let twilioSpec = ConfigSpec([
        .init(
            "auth_token",
            .string,
            secret: true,
            example: "${TWILIO_AUTH_TOKEN}",
            doc: "The account's Auth Token, which signs `X-Twilio-Signature` on every call and callback. Required unless `insecure: true`."
        ),
        .init("previous_auth_token", .string, secret: true, doc: "During rotation, the old Auth Token."),
        .init(
            "public_url",
            .string,
            example: "https://voice.example.com/hooks/voice",
            doc: "The channel's `path` as a URL exactly as Twilio calls it (scheme, host, port if any), when a proxy is in front: the "
                + "callbacks below it are signed with it."
        ),
    ])

    static let spec = ConfigSpec([
        .init(
            "path",
            .string,
            required: true,
            example: "/hooks/voice",
            doc: "The number's Voice URL (A call comes in: Webhook, HTTP POST). The callbacks are below it: `/recorded`, `/missed`, `/transcript`."
        ),
        .init("provider", .oneOf(["twilio"]), default: "twilio", doc: "`twilio` (Twilio Programmable Voice)."),
        .init("twilio", .object(twilioSpec), doc: "Settings for `provider: twilio`."),
        .init(
            "insecure",
            .bool,
            default: "false",
            doc: "Accept unsigned requests (local testing only: anyone who can reach the port could leave voicemails)."
        ),
        .init(
            "greeting",
            .string,
            default: "Thank you for calling. Please leave a message after the tone.",
            doc: "What the caller hears first (`<Say>`)."
        ),
        .init("greeting_audio", .string, example: "https://example.com/greeting.mp3", doc: "An audio URL played instead (`<Play>`)."),
        .init("voice", .string, default: "alice", doc: "The `<Say>` voice (`alice`, `man`, `woman`, or a Polly/Google voice name)."),
        .init("language", .string, default: "en-US", doc: "The `<Say>` language."),
        .init("max_length", .duration, default: "2m", doc: "Longest voicemail (`<Record maxLength>`); Twilio transcribes at most 2 minutes."),
        .init("silence_timeout", .duration, default: "5s", doc: "Silence that ends the voicemail (`<Record timeout>`)."),
        .init("finish_on_key", .string, default: "#", doc: "Keys that end the voicemail (`<Record finishOnKey>`)."),
        .init("play_beep", .bool, default: "true", doc: "A beep before recording."),
        .init("trim_silence", .bool, default: "true", doc: "Trim silence at both ends (`trim=\"trim-silence\"`)."),
        .init(
            "transcribe",
            .bool,
            default: "false",
            doc: "Ask Twilio to transcribe each voicemail (`transcribe` with `transcribeCallback`); the text arrives later as its own event."
        ),
        .init("thanks", .string, default: "Thank you. Goodbye.", doc: "What the caller hears after the voicemail (and the survey)."),
        .init(
            "survey",
            .object(KeypadSurvey.spec),
            doc: "A keypad NPS survey after the voicemail: the score by keys (`ivr`), then the reason by speech. See docs/voice.md."
        ),
        .init("default_region", .string, example: "GB", doc: "Region for numbers Twilio sends without `+` (rare)."),
        .init("max_body_size", .byteSize, default: "64KiB", doc: "Largest callback body accepted."),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        path = try config.requiredString("path")
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") || path.hasSuffix("/") {
            errors.append(config.invalid("path", "must be a plain path starting with / (no query, fragment or trailing /), such as /hooks/voice"))
        }
        let section = config.object("twilio") ?? ConfigValues(path: "\(config.path).twilio", [:])
        authTokens = [section.secret("auth_token"), section.secret("previous_auth_token")].compactMap { $0?.value }
        publicURL = section.string("public_url")
        if let url = publicURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            errors.append(section.invalid("public_url", "'\(url)' must be an absolute http:// or https:// URL"))
        }
        if authTokens.isEmpty, !config.bool("insecure") {
            errors.append(
                config.invalid("twilio", "give twilio.auth_token (it signs X-Twilio-Signature), or insecure: true for local testing only")
            )
        }
        maxBodySize = config.byteSize("max_body_size") ?? 64 << 10
        defaultRegion = config.defaultPhoneRegion(errors: &errors)
        let maxLength = config.duration("max_length") ?? .seconds(120)
        let timeout = config.duration("silence_timeout") ?? .seconds(5)
        for (key, value, range) in [("max_length", maxLength, 1...14_400), ("silence_timeout", timeout, 1...3_600)]
        where !range.contains(Int(value.components.seconds)) {
            errors.append(config.invalid(key, "must be from \(range.lowerBound)s to \(range.upperBound)s in whole seconds"))
        }
        let finishOnKey = config.string("finish_on_key") ?? "#"
        if !finishOnKey.allSatisfy({ "0123456789*#".contains($0) }) {
            errors.append(config.invalid("finish_on_key", "'\(finishOnKey)' may hold only the keys 0-9, * and #"))
        }
        if let audio = config.string("greeting_audio") {
            greeting = .play(url: audio)
        } else {
            greeting = .say(
                text: config.string("greeting") ?? "",
                voice: config.string("voice") ?? "alice",
                language: config.string("language") ?? "en-US"
            )
        }
        record = TwiML.Record(
            maxLengthSeconds: Int(maxLength.components.seconds),
            timeoutSeconds: Int(timeout.components.seconds),
            finishOnKey: finishOnKey,
            playBeep: config.isGiven("play_beep") ? config.bool("play_beep") : true,
            trimSilence: config.isGiven("trim_silence") ? config.bool("trim_silence") : true,
            transcribe: config.bool("transcribe")
        )
        thanks = config.string("thanks") ?? "Thank you. Goodbye."
        if let section = config.object("survey"), let id = section.string("id") {
            let greetingVoice = config.string("voice") ?? "alice"
            let language = config.string("language") ?? "en-US"
            survey = KeypadSurvey(
                id: id,
                question: section.string("question") ?? "",
                reasonPrompt: section.string("reason") ?? "",
                language: language,
                voice: greetingVoice
            )
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// The tokens as HMAC keys.
    var keys: [SymmetricKey] { authTokens.map { SymmetricKey(data: Array($0.utf8)) } }
}
