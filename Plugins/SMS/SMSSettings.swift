import Foundation
import ListeningPostKit

/// An SMS channel's validated config.
struct SMSSettings: Sendable {
    /// Which gateway posts to this channel. A struct with static members, so a new
    /// provider is not a breaking change.
    struct Provider: Sendable, Hashable {
        let name: String
        static let twilio = Provider(name: "twilio")
        static let vonage = Provider(name: "vonage")
        static let generic = Provider(name: "generic")
        static let all = [twilio, vonage, generic]
    }

    var provider: Provider
    var path: String
    var maxBodySize: Int
    var defaultRegion: String?
    var twilio: TwilioRequestParser?
    var vonage: VonageRequestParser?
    var concatTimeout: Duration
    var generic: GenericSMSParser?
    /// Sending through Twilio's Messages API, when `twilio.account_sid` is set.
    var twilioSender: TwilioSender?
    /// Sending through Vonage's SMS API, when `vonage.api_key` is set.
    var vonageSender: VonageSender?
    /// Sending through a generic gateway, when `generic.send` is set.
    var genericSender: GenericSMSSender?

    static let twilioSpec = ConfigSpec([
        .init(
            "auth_token",
            .string,
            secret: true,
            example: "${TWILIO_AUTH_TOKEN}",
            doc: "The account's Auth Token, which signs `X-Twilio-Signature`. Required unless `insecure: true`."
        ),
        .init("previous_auth_token", .string, secret: true, doc: "During token rotation, the old token, also accepted until you remove it."),
        .init(
            "public_url",
            .string,
            example: "https://sms.example.com/hooks/twilio",
            doc:
                "The webhook URL exactly as configured at Twilio (scheme, host, port if any, path). Needed when a proxy "
                + "sits in front of the gateway; without it the URL is rebuilt from `Host`, `X-Forwarded-Proto` and `X-Forwarded-Host`."
        ),
        .init(
            "account_sid",
            .string,
            example: "${TWILIO_ACCOUNT_SID}",
            doc: "The account SID (`AC…`). Set it to let the outbox send from this channel through Twilio's Messages API."
        ),
        .init("from", .string, example: "+14155550100", doc: "The Twilio number messages are sent from. Give this or `messaging_service_sid`."),
        .init(
            "messaging_service_sid",
            .string,
            example: "MG0123456789abcdef0123456789abcdef",
            doc: "A Messaging Service (`MG…`) to send through instead of one number."
        ),
        .init(
            "api_key_sid",
            .string,
            example: "${TWILIO_API_KEY_SID}",
            doc: "An API key (`SK…`) to authenticate sends with, instead of the auth token."
        ),
        .init("api_key_secret", .string, secret: true, example: "${TWILIO_API_KEY_SECRET}", doc: "The API key's secret."),
        .init(
            "status_callback",
            .string,
            example: "https://sms.example.com/hooks/twilio-status",
            doc: "Where Twilio posts delivery status (`StatusCallback`)."
        ),
        .init("api_url", .string, default: "https://api.twilio.com", doc: "The Messages API's base URL (a test server, a regional edge)."),
    ])
    static let vonageSpec = ConfigSpec([
        .init(
            "signature_secret",
            .string,
            secret: true,
            example: "${VONAGE_SIGNATURE_SECRET}",
            doc: "The account's signature secret, which signs the `sig` parameter. Required unless `insecure: true`."
        ),
        .init("previous_signature_secret", .string, secret: true, doc: "During rotation, the old secret, also accepted until you remove it."),
        .init(
            "signature_method",
            .oneOf(VonageSignature.Method.all.map(\.name)),
            default: "md5hash",
            doc:
                "As chosen in the Vonage dashboard: `md5hash` (MD5 of the parameters and the secret), or HMAC with `md5`, "
                + "`sha1`, `sha256` or `sha512`."
        ),
        .init("tolerance", .duration, default: "5m", doc: "How far the signed `timestamp` may be from now, either way; older requests are replays."),
        .init(
            "concat_timeout",
            .duration,
            default: "10m",
            doc: "How long the parts of a concatenated SMS wait for their siblings. Then what arrived is stored as one event flagged `incomplete`."
        ),
        .init(
            "api_key",
            .string,
            example: "${VONAGE_API_KEY}",
            doc: "The account's API key. Set it (with `api_secret` and `from`) to let the outbox send through Vonage's SMS API."
        ),
        .init("api_secret", .string, secret: true, example: "${VONAGE_API_SECRET}", doc: "The account's API secret."),
        .init("from", .string, example: "+447700900000", doc: "The Vonage number (E.164) or alphanumeric sender id messages come from."),
        .init("callback", .string, example: "https://sms.example.com/hooks/vonage-dlr", doc: "Where Vonage posts delivery receipts."),
        .init("api_url", .string, default: "https://rest.nexmo.com", doc: "The SMS API's base URL (a test server)."),
    ])
    static let genericMappingSpec = ConfigSpec(
        GenericSMSParser.Field.all.map { ConfigField($0.name, .string, default: $0.defaultPointer, doc: $0.doc) }
    )
    static let genericSignatureSpec = ConfigSpec([
        .init("header", .string, default: "X-Signature", doc: "Header carrying the hex HMAC-SHA256 of the body, with or without a `sha256=` prefix."),
        .init("secret", .string, required: true, secret: true, example: "${SMS_GATEWAY_SECRET}", doc: "The HMAC key."),
        .init("previous_secret", .string, secret: true, doc: "During rotation, the old key, also accepted until you remove it."),
    ])
    static let genericSpec = ConfigSpec([
        .init(
            "mapping",
            .object(genericMappingSpec),
            doc: "JSON Pointers from the payload to the message. Form bodies read as a flat object of strings."
        ),
        .init("signature", .object(genericSignatureSpec), doc: "HMAC of the body in a header. Required unless `insecure: true`."),
        .init("send", .object(GenericSMSSender.spec), doc: "How to send through the gateway: the request the outbox makes for each message."),
    ])
    static let spec = ConfigSpec([
        .init(
            "provider",
            .oneOf(Provider.all.map(\.name)),
            required: true,
            doc: "`twilio`, `vonage` or `generic` (any gateway that posts JSON or a form)."
        ),
        .init(
            "path",
            .string,
            required: true,
            example: "/hooks/sms",
            doc: "URL path the provider calls. Must start with `/` and be unique across channels."
        ),
        .init("max_body_size", .byteSize, default: "64KiB", doc: "Larger bodies get 413 and are not read."),
        .init(
            "default_region",
            .string,
            example: "GB",
            doc:
                "The region (ISO 3166) numbers written without `+country` are dialled in, so libphonenumber normalises "
                + "them to E.164. Without it such numbers are kept raw and flagged `invalid_phone`."
        ),
        .init(
            "default_country_code",
            .string,
            example: "44",
            doc: "The older way to say `default_region`: a calling code, standing for its main region (44 → GB). Give one of the two."
        ),
        .init("insecure", .bool, default: "false", doc: "Accept unsigned requests. Logged as a warning at startup."),
        .init("twilio", .object(twilioSpec), doc: "Settings for `provider: twilio`."),
        .init("vonage", .object(vonageSpec), doc: "Settings for `provider: vonage` (the SMS API's inbound webhook)."),
        .init("generic", .object(genericSpec), doc: "Settings for `provider: generic`."),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        provider = Provider(name: try config.requiredString("provider"))
        path = try config.requiredString("path")
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") {
            errors.append(config.invalid("path", "must be a plain path starting with / (no query or fragment), such as /hooks/sms"))
        }
        maxBodySize = config.byteSize("max_body_size") ?? 64 << 10
        defaultRegion = config.defaultPhoneRegion(errors: &errors)
        let insecure = config.bool("insecure")
        for other in Provider.all where other != provider && config.isGiven(other.name) {
            errors.append(config.invalid(other.name, "only applies to provider: \(other.name), but this channel's provider is \(provider.name)"))
        }
        let section = config.object(provider.name) ?? ConfigValues(path: "\(config.path).\(provider.name)", [:])
        concatTimeout = .seconds(600)

        switch provider {
        case .twilio:
            let tokens = [section.secret("auth_token"), section.secret("previous_auth_token")].compactMap { $0?.value }
            if let url = section.string("public_url"), !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
                errors.append(section.invalid("public_url", "'\(url)' must be an absolute http:// or https:// URL"))
            }
            errors += Self.signatureRule(config: config, section: section, key: "auth_token", given: !tokens.isEmpty, insecure: insecure)
            twilio = TwilioRequestParser(
                authTokens: tokens,
                publicURL: section.string("public_url"),
                maxBodySize: maxBodySize,
                defaultRegion: defaultRegion
            )
            twilioSender = Self.twilioSender(section, errors: &errors)
        case .vonage:
            let secrets = [section.secret("signature_secret"), section.secret("previous_signature_secret")].compactMap { $0?.value }
            errors += Self.signatureRule(config: config, section: section, key: "signature_secret", given: !secrets.isEmpty, insecure: insecure)
            let method = VonageSignature.Method(name: section.string("signature_method") ?? "md5hash")
            vonage = VonageRequestParser(
                signature: secrets.isEmpty ? nil : VonageSignature(method: method),
                secrets: secrets,
                tolerance: section.duration("tolerance") ?? .seconds(300),
                maxBodySize: maxBodySize
            )
            concatTimeout = section.duration("concat_timeout") ?? .seconds(600)
            if let apiKey = section.string("api_key") {
                let base = section.string("api_url") ?? "https://rest.nexmo.com"
                if let secret = section.secret("api_secret"), let from = section.string("from"), let url = URL(string: base), url.host != nil {
                    vonageSender = VonageSender(apiKey: apiKey, apiSecret: secret, from: from, callback: section.string("callback"), apiURL: url)
                } else {
                    errors.append(section.invalid("api_key", "sending through Vonage needs api_key, api_secret, from and a valid api_url"))
                }
            } else {
                for key in ["api_secret", "from", "callback"] where section.isGiven(key) {
                    errors.append(section.invalid(key, "only applies when sending: set api_key too"))
                }
            }
        default:
            do {
                generic = try GenericSMSParser(section, maxBodySize: maxBodySize, defaultRegion: defaultRegion)
                errors += Self.signatureRule(config: config, section: section, key: "signature", given: generic?.signature != nil, insecure: insecure)
                if let send = section.object("send") { genericSender = GenericSMSSender(send, errors: &errors) }
            } catch let error as ConfigErrors {
                errors += error.errors
            } catch let error as ConfigError {
                errors.append(error)
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// The Twilio sender, when `account_sid` is set, with everything a send needs.
    private static func twilioSender(_ section: ConfigValues, errors: inout [ConfigError]) -> TwilioSender? {
        let sendKeys = ["from", "messaging_service_sid", "api_key_sid", "api_key_secret", "status_callback"]
        guard let accountSid = section.string("account_sid") else {
            for key in sendKeys where section.isGiven(key) { errors.append(section.invalid(key, "only applies when sending: set account_sid too")) }
            return nil
        }
        if !accountSid.hasPrefix("AC") { errors.append(section.invalid("account_sid", "'\(accountSid)' is not an account SID (they start with AC)")) }
        let from = section.string("from")
        let service = section.string("messaging_service_sid")
        if (from == nil) == (service == nil) {
            errors.append(section.invalid("account_sid", "sending needs exactly one of `from` (a Twilio number) or `messaging_service_sid`"))
        }
        if let from, PhoneNumber.e164(from) == nil {
            errors.append(section.invalid("from", "'\(from)' is not a phone number in E.164 form, such as +14155550100"))
        }
        let keySid = section.string("api_key_sid")
        let keySecret = section.secret("api_key_secret")
        if (keySid == nil) != (keySecret == nil) {
            errors.append(section.invalid(keySid == nil ? "api_key_secret" : "api_key_sid", "give api_key_sid and api_key_secret together"))
        }
        let password = keySecret?.value ?? section.secret("auth_token")?.value
        if password == nil { errors.append(section.invalid("account_sid", "sending needs auth_token, or api_key_sid and api_key_secret")) }
        let base = section.string("api_url") ?? "https://api.twilio.com"
        guard let url = URL(string: base), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            errors.append(section.invalid("api_url", "'\(base)' is not an http:// or https:// URL"))
            return nil
        }
        return TwilioSender(
            accountSid: accountSid,
            username: keySid ?? accountSid,
            password: password ?? "",
            from: from,
            messagingServiceSid: service,
            statusCallback: section.string("status_callback"),
            apiURL: url
        )
    }

    /// Signed or explicitly insecure, never both and never neither.
    private static func signatureRule(config: ConfigValues, section: ConfigValues, key: String, given: Bool, insecure: Bool) -> [ConfigError] {
        switch (given, insecure) {
        case (true, true): [config.invalid("insecure", "insecure: true conflicts with \(section.path).\(key); remove one of them")]
        case (false, false) where section.position == nil:
            // No section at all: point at the provider line, where the fix goes.
            [
                config.invalid(
                    "provider",
                    "\(section.path).\(key) is required to verify requests; add it, or set insecure: true to accept unsigned requests"
                )
            ]
        case (false, false): [section.invalid(key, "is required to verify requests; set it, or set insecure: true to accept unsigned requests")]
        default: []
        }
    }
}
