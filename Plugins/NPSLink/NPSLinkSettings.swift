import ListeningPostKit

/// An `nps-link` channel's validated config.
struct NPSLinkSettings: Sendable {
    var path: String
    var secrets: [String]
    var surveys: Set<String>
    var maxAge: Duration
    var question: String
    var thankYou: String

    static let spec = ConfigSpec([
        .init(
            "path",
            .string,
            required: true,
            example: "/nps",
            doc: "URL path of the score links (GET). Must start with `/` and be unique across channels."
        ),
        .init(
            "secret",
            .string,
            required: true,
            secret: true,
            example: "${NPS_LINK_SECRET}",
            doc: "Signs the links (HMAC-SHA256), at least 16 characters; the mailer that writes the links uses the same secret."
        ),
        .init(
            "previous_secret",
            .string,
            secret: true,
            doc: "During rotation, the old secret: links already in inboxes keep working until you remove it."
        ),
        .init("surveys", .stringList, example: "[relationship-2026q4, support-followup]", doc: "Survey ids the links may name. Default: any."),
        .init("max_age", .duration, default: "30d", doc: "How long after sending a link still counts; older clicks get 410."),
        .init(
            "question",
            .string,
            default: "How likely are you to recommend us to a friend or colleague?",
            doc: "The question the links answer, copied into each event's metadata."
        ),
        .init(
            "thank_you",
            .string,
            default: "Thank you! Your answer helps us get better.",
            doc: "The sentence on the page a customer sees after clicking."
        ),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        path = try config.requiredString("path")
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") {
            errors.append(config.invalid("path", "must be a plain path starting with /, such as /nps"))
        }
        secrets = [config.secret("secret"), config.secret("previous_secret")].compactMap { $0?.value }
        if let secret = secrets.first, secret.count < 16 {
            errors.append(
                config.invalid(
                    "secret",
                    "is \(secret.count) characters; use at least 16 (a random string, such as the output of `openssl rand -hex 32`)"
                )
            )
        }
        surveys = Set(config.strings("surveys"))
        maxAge = config.duration("max_age") ?? .seconds(30 * 86_400)
        if maxAge <= .zero {
            errors.append(config.invalid("max_age", "must be longer than 0s"))
        }
        question = config.string("question") ?? ""
        thankYou = config.string("thank_you") ?? ""
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }
}
