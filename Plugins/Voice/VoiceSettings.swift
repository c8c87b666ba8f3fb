import Crypto
import Foundation
import ListeningPostKit
import SMSAdapter

/// A `voice` channel's validated config: where the provider calls, how calls are answered,
/// and how callbacks are verified.
struct VoiceSettings: Sendable {
    enum Provider: String, Sendable {
        case twilio, vonage
    }

    var path: String
    var provider: Provider
    var authTokens: [String]
    /// Vonage's signature secrets (signed webhooks), the current one first.
    var signatureSecrets: [String]
    /// Vonage: the channel's `path` as a URL Vonage reaches, for the record action's `eventUrl`.
    var vonagePublicURL: String?
    /// Vonage: the application that fetches recordings for the transcriber.
    var vonageApplication: VonageApplication?
    /// The channel's base URL as configured at Twilio, when a proxy is in front.
    var publicURL: String?
    var maxBodySize: Int
    var defaultRegion: String?
    var greeting: TwiML.Greeting
    /// The `<Say>` voice and language.
    var voice: String
    var language: String
    var record: TwiML.Record
    var thanks: String
    /// The keypad NPS survey after the voicemail, when configured.
    var survey: KeypadSurvey?
    /// The gateway's own transcriber, when configured.
    var transcriber: TranscriberSettings?
    /// The desk's number calls ring in open hours, and how long.
    var desk: (number: String, ringSeconds: Int)?
    /// The calendar whose open hours ring the desk (`24x7` when only `desk` is given).
    var calendar: String
    /// Placing calls for the outbox (Twilio's Calls API), when `twilio.account_sid` is set.
    var caller: (rest: TwilioREST, from: String)?

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
                + "callbacks below it are signed with it. Needed for survey calls the outbox places."
        ),
        .init(
            "account_sid",
            .string,
            example: "AC0123456789abcdef0123456789abcdef",
            doc: "With `from`: the outbox places calls on this channel (Twilio's Calls API): the message said, then the keypad survey."
        ),
        .init("from", .string, example: "+14155550100", doc: "The Twilio number calls are placed from (E.164)."),
        .init("api_url", .string, default: "https://api.twilio.com", doc: "Twilio's API (a test server in tests)."),
    ])

    static let vonageSpec = ConfigSpec([
        .init(
            "signature_secret",
            .string,
            secret: true,
            example: "${VONAGE_SIGNATURE_SECRET}",
            doc: "The account's signature secret, which signs the JWT of each signed webhook (HS256). Required unless `insecure: true`."
        ),
        .init("previous_signature_secret", .string, secret: true, doc: "During rotation, the old signature secret."),
        .init(
            "application_id",
            .string,
            example: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
            doc: "The Vonage application's id: with `private_key`, for fetching recordings (`transcriber:`)."
        ),
        .init(
            "private_key",
            .string,
            secret: true,
            example: "${VONAGE_PRIVATE_KEY}",
            doc: "The application's private key (PEM), which signs the JWT that fetches a recording. Needed with `transcriber:`."
        ),
        .init(
            "public_url",
            .string,
            required: true,
            example: "https://voice.example.com/hooks/vonage",
            doc: "The channel's `path` as a URL Vonage reaches: the record action's `eventUrl` is absolute, below it (`/recorded`)."
        ),
    ])

    static let spec = ConfigSpec([
        .init(
            "path",
            .string,
            required: true,
            example: "/hooks/voice",
            doc: "Twilio: the number's Voice URL (A call comes in: Webhook, HTTP POST); the callbacks are below it: `/recorded`, "
                + "`/recording-status`, `/missed`, `/transcript`, `/dialed`, `/score`, `/reason`. "
                + "Vonage: the application's answer URL; its event URL is `/event` below it."
        ),
        .init("provider", .oneOf(["twilio", "vonage"]), default: "twilio", doc: "`twilio` (Programmable Voice) or `vonage` (Voice API)."),
        .init("twilio", .object(twilioSpec), doc: "Settings for `provider: twilio`."),
        .init("vonage", .object(vonageSpec), doc: "Settings for `provider: vonage`."),
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
        .init(
            "desk",
            .object(
                ConfigSpec([
                    .init("number", .string, required: true, example: "+442079460000", doc: "The desk's phone number (E.164)."),
                    .init("ring_timeout", .duration, default: "20s", doc: "How long it rings before the caller gets the voicemail (5s-10m)."),
                ])
            ),
            doc: "Ring the desk in open hours (`<Dial>`, Twilio): an answered call is an event flagged `answered_call`, "
                + "an unanswered one `missed_call` and then the voicemail."
        ),
        .init(
            "calendar",
            .string,
            example: "support",
            doc: "With `desk`: a `calendars:` name; out of its hours calls go straight to voicemail. Default `24x7`."
        ),
        .init(
            "transcriber",
            .object(TranscriberSettings.spec),
            doc: "Transcribe voicemails in the gateway: every one without `transcribe`, those over 2 minutes with it. "
                + "See docs/voice.md."
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
        provider = Provider(rawValue: config.string("provider") ?? "twilio") ?? .twilio
        let section = config.object("twilio") ?? ConfigValues(path: "\(config.path).twilio", [:])
        authTokens = [section.secret("auth_token"), section.secret("previous_auth_token")].compactMap { $0?.value }
        publicURL = section.string("public_url")
        let vonage = config.object("vonage") ?? ConfigValues(path: "\(config.path).vonage", [:])
        signatureSecrets = [vonage.secret("signature_secret"), vonage.secret("previous_signature_secret")].compactMap { $0?.value }
        vonagePublicURL = vonage.string("public_url")
        for (values, url) in [(section, publicURL), (vonage, vonagePublicURL)] {
            if let url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.hasSuffix("/") {
                errors.append(values.invalid("public_url", "'\(url)' must be an absolute http:// or https:// URL without a trailing /"))
            }
        }
        switch provider {
        case .twilio:
            if authTokens.isEmpty, !config.bool("insecure") {
                errors.append(
                    config.invalid("twilio", "give twilio.auth_token (it signs X-Twilio-Signature), or insecure: true for local testing only")
                )
            }
        case .vonage:
            if signatureSecrets.isEmpty, !config.bool("insecure") {
                errors.append(
                    config.invalid("vonage", "give vonage.signature_secret (it signs the webhooks' JWT), or insecure: true for local testing only")
                )
            }
            if vonagePublicURL == nil {
                errors.append(config.invalid("vonage", "give vonage.public_url: the record action's eventUrl must be an absolute URL"))
            }
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
        if provider == .vonage {
            // The NCCO record action's documented ranges: endOnSilence 3-10 s, one endOnKey.
            if !(3...10).contains(Int(timeout.components.seconds)) {
                errors.append(config.invalid("silence_timeout", "must be from 3s to 10s with provider: vonage (the record action's endOnSilence)"))
            }
            if !(3...7_200).contains(Int(maxLength.components.seconds)) {
                errors.append(config.invalid("max_length", "must be from 3s to 2h with provider: vonage (the record action's timeOut)"))
            }
            if finishOnKey.count != 1 { errors.append(config.invalid("finish_on_key", "must be one key with provider: vonage (endOnKey)")) }
            if config.object("survey") != nil {
                errors.append(config.invalid("survey", "the keypad survey is built for provider: twilio only so far"))
            }
            if config.bool("transcribe") {
                errors.append(config.invalid("transcribe", "Vonage's own transcription is not supported; it is provider: twilio only"))
            }
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
        voice = config.string("voice") ?? "alice"
        language = config.string("language") ?? "en-US"
        calendar = config.string("calendar") ?? "24x7"
        caller = Self.caller(section, survey: config.object("survey") != nil, errors: &errors)
        if let section = config.object("desk") {
            let ring = section.duration("ring_timeout") ?? .seconds(20)
            if !(5...600).contains(Int(ring.components.seconds)) { errors.append(section.invalid("ring_timeout", "must be from 5s to 10m")) }
            let given = section.string("number") ?? ""
            if let number = PhoneNumber.e164(given, defaultRegion: defaultRegion) {
                desk = (number, Int(ring.components.seconds))
            } else {
                errors.append(section.invalid("number", "'\(given)' is not a phone number; write it in E.164, such as +442079460000"))
            }
            if provider == .vonage { errors.append(config.invalid("desk", "ringing the desk is built for provider: twilio only so far")) }
        } else if config.isGiven("calendar") {
            errors.append(config.invalid("calendar", "has no effect without desk: the calendar says when calls ring the desk"))
        }
        if let section = config.object("transcriber") {
            transcriber = TranscriberSettings(section, language: config.string("language") ?? "en-US", errors: &errors)
            if provider == .vonage {
                let vonage = config.object("vonage") ?? ConfigValues(path: "\(config.path).vonage", [:])
                if let id = vonage.string("application_id"), let pem = vonage.secret("private_key")?.value {
                    vonageApplication = VonageApplication(id: id, privateKeyPEM: pem)
                    if vonageApplication == nil {
                        errors.append(vonage.invalid("private_key", "is not an RSA private key in PEM (the application's private.key)"))
                    }
                } else {
                    errors.append(
                        config.invalid(
                            "transcriber",
                            "give vonage.application_id and vonage.private_key: Vonage serves recordings only with the application's JWT"
                        )
                    )
                }
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// Twilio's Calls API for the outbox: the account, its auth token, the number calls come from.
    private static func caller(_ section: ConfigValues, survey: Bool, errors: inout [ConfigError]) -> (rest: TwilioREST, from: String)? {
        guard let account = section.string("account_sid") else {
            if section.isGiven("from") { errors.append(section.invalid("from", "only applies when placing calls: set account_sid too")) }
            return nil
        }
        if !account.hasPrefix("AC") { errors.append(section.invalid("account_sid", "'\(account)' is not an account SID (they start with AC)")) }
        guard let token = section.secret("auth_token")?.value else {
            errors.append(section.invalid("account_sid", "placing calls needs auth_token"))
            return nil
        }
        guard let given = section.string("from"), let from = PhoneNumber.e164(given) else {
            errors.append(section.invalid("from", "placing calls needs the Twilio number they come from, in E.164 (such as +14155550100)"))
            return nil
        }
        if survey, section.string("public_url") == nil {
            errors.append(section.invalid("account_sid", "a survey call's keypad answers need public_url: the call's TwiML has no URL of its own"))
        }
        let base = section.string("api_url") ?? "https://api.twilio.com"
        guard let url = URL(string: base), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            errors.append(section.invalid("api_url", "'\(base)' is not an http:// or https:// URL"))
            return nil
        }
        return (TwilioREST(accountSid: account, username: account, password: token, apiURL: url), from)
    }

    /// The tokens as HMAC keys.
    var keys: [SymmetricKey] { authTokens.map { SymmetricKey(data: Array($0.utf8)) } }

    /// Vonage's signature secrets as HMAC keys, which also sign the caller into the record URL.
    var signatureKeys: [SymmetricKey] { signatureSecrets.map { SymmetricKey(data: Array($0.utf8)) } }
}
