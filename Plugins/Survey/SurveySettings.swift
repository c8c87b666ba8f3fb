import ListeningPostKit

/// A `survey` channel's validated config: which survey tool posts to it, how its
/// deliveries are signed, and which questions are the NPS question and its reason.
struct SurveySettings: Sendable {
    /// The survey tools this channel reads.
    enum Provider: String, Sendable, CaseIterable {
        case typeform, delighted, formbricks
    }

    var provider: Provider
    var path: String
    var maxBodySize: Int
    /// Empty with `insecure: true`.
    var secrets: [String]
    var npsQuestion: String?
    var reasonQuestion: String?
    var survey: String?
    var identityFields: IdentityFields

    /// Names of the hidden fields (Typeform) or response fields (Formbricks) that say who
    /// answered.
    struct IdentityFields: Sendable {
        var email = "email"
        var phone = "phone"
        var customerId = "customer_id"
    }

    static let spec = ConfigSpec([
        .init(
            "provider",
            .oneOf(Provider.allCases.map(\.rawValue)),
            required: true,
            doc:
                "The survey tool: `typeform` (`form_response` webhooks, `Typeform-Signature`), `delighted` (`survey_response.created`/`.updated`, "
                + "`X-Delighted-Webhook-Signature`) or `formbricks` (`responseFinished`, Standard Webhooks)."
        ),
        .init(
            "path",
            .string,
            required: true,
            example: "/hooks/typeform",
            doc: "URL path the tool POSTs to. Must start with `/` and be unique across channels."
        ),
        .init(
            "secret",
            .string,
            secret: true,
            example: "${TYPEFORM_WEBHOOK_SECRET}",
            doc:
                "Verifies deliveries: Typeform's webhook secret, Delighted's API key (it signs webhooks with it), or Formbricks' "
                + "`whsec_…` signing secret. Required unless `insecure: true`."
        ),
        .init("previous_secret", .string, secret: true, doc: "During rotation, the old secret: accepted too until you remove it."),
        .init("insecure", .bool, default: "false", doc: "Accept unsigned deliveries. Logged as a warning at startup."),
        .init(
            "nps_question",
            .string,
            example: "nps",
            doc: "The NPS question: its field `ref` (Typeform) or question id (Formbricks). Required for those two; Delighted sends the score itself."
        ),
        .init(
            "reason_question",
            .string,
            example: "reason",
            doc:
                "The \"main reason for your score\" question, by `ref` (Typeform) or id (Formbricks): becomes `feedback.reason` "
                + "and the message text. Delighted's comment always is."
        ),
        .init(
            "survey",
            .string,
            example: "relationship-2026q4",
            doc:
                "The survey id answers carry (`feedback.survey`). Default: the form id (Typeform), the survey id (Formbricks), "
                + "the channel id (Delighted)."
        ),
        .init(
            "identity_fields",
            .stringMap,
            example: "{email: email, phone: phone, customer_id: customer_id}",
            doc:
                "Which hidden fields (Typeform) or response fields (Formbricks) carry the respondent's `email`, `phone` "
                + "and `customer_id`. Default: fields of those names."
        ),
        .init("max_body_size", .byteSize, default: "1MiB", doc: "Larger bodies get 413 and are not read."),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        provider = Provider(rawValue: config.string("provider") ?? "") ?? .typeform
        path = try config.requiredString("path")
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") {
            errors.append(config.invalid("path", "must be a plain path starting with /, such as /hooks/typeform"))
        }
        maxBodySize = config.byteSize("max_body_size") ?? 1 << 20
        secrets = [config.secret("secret"), config.secret("previous_secret")].compactMap { $0?.value }
        let insecure = config.bool("insecure")
        if secrets.isEmpty, !insecure {
            errors.append(
                config.invalid(
                    "secret",
                    "is required to verify deliveries from \(provider.rawValue); set it, or set insecure: true to accept unsigned ones"
                )
            )
        }
        if !secrets.isEmpty, insecure {
            errors.append(config.invalid("insecure", "insecure: true conflicts with a configured secret; remove one of them"))
        }
        if provider == .formbricks {
            for key in ["secret", "previous_secret"] where config.secret(key) != nil {
                if (try? StandardWebhooks(secrets: [config.secret(key)!.value])) == nil {
                    errors.append(config.invalid(key, "a Formbricks signing secret is 'whsec_' followed by base64, as Formbricks shows it"))
                }
            }
        }
        npsQuestion = config.string("nps_question")
        reasonQuestion = config.string("reason_question")
        survey = config.string("survey")
        switch provider {
        case .typeform, .formbricks:
            if npsQuestion == nil {
                errors.append(
                    config.invalid(
                        "nps_question",
                        "a \(provider.rawValue) channel needs the NPS question's \(provider == .typeform ? "field ref" : "question id"), such as nps"
                    )
                )
            }
        case .delighted:
            for key in ["nps_question", "reason_question", "identity_fields"] where config.isGiven(key) {
                errors.append(config.invalid(key, "Delighted sends the score, the comment and the person itself; remove \(key)"))
            }
        }
        identityFields = IdentityFields()
        for (name, field) in config.stringMap("identity_fields") {
            switch name {
            case "email": identityFields.email = field
            case "phone": identityFields.phone = field
            case "customer_id": identityFields.customerId = field
            default: errors.append(config.invalid("identity_fields", "'\(name)' is not an identity (identities: email, phone, customer_id)"))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }
}
