import ListeningPostKit

/// A webhook channel's validated config.
struct WebhookSettings: Sendable {
    var path: String
    var maxBodySize: Int
    var signature: WebhookSignatureCheck?
    var mapping: WebhookFieldMapping
    var includePayload: Bool

    static let signatureSpec = ConfigSpec([
        .init(
            "scheme",
            .oneOf(["standard_webhooks", "github", "shared_secret"]),
            required: true,
            doc:
                "`standard_webhooks` (webhook-id/-timestamp/-signature), `github` (X-Hub-Signature-256: sha256=hex HMAC "
                + "of the body) or `shared_secret` (a header carrying the secret itself)."
        ),
        .init(
            "secret",
            .string,
            required: true,
            secret: true,
            example: "${SURVEY_WEBHOOK_SECRET}",
            doc: "The signing secret (`whsec_…` for Standard Webhooks)."
        ),
        .init("previous_secret", .string, secret: true, doc: "During key rotation, the old secret, also accepted until you remove it."),
        .init(
            "header",
            .string,
            doc: "Header carrying the signature or secret. Default: `X-Hub-Signature-256` for `github`, `X-Webhook-Secret` for `shared_secret`."
        ),
        .init("tolerance", .duration, default: "5m", doc: "Standard Webhooks: how far `webhook-timestamp` may be from now, either way."),
    ])

    static let mappingSpec = ConfigSpec(
        WebhookFieldMapping.Field.all.map { field in
            ConfigField(field.name, .string, default: field.defaultPointer, doc: field.doc)
        }
    )

    static let spec = ConfigSpec([
        .init(
            "path",
            .string,
            required: true,
            example: "/hooks/survey",
            doc: "URL path that receives POSTs. Must start with `/` and be unique across channels."
        ),
        .init("max_body_size", .byteSize, default: "1MiB", doc: "Larger bodies get 413 and are not read."),
        .init("signature", .object(signatureSpec), doc: "How requests prove they come from the sender. Required unless `insecure: true`."),
        .init(
            "insecure",
            .bool,
            default: "false",
            doc: "Accept unsigned requests. Logged as a warning at startup; use only behind something that authenticates."
        ),
        .init(
            "mapping",
            .object(mappingSpec),
            doc: "JSON Pointers (RFC 6901) from the payload to message fields. Form bodies are read as a flat object of strings."
        ),
        .init(
            "required",
            .stringList,
            default: nil,
            example: "[text, author_email]",
            doc: "Mapping fields that must be present, else 400. Default: `[text]`."
        ),
        .init("include_payload", .bool, default: "true", doc: "Copy the whole parsed payload into `data.metadata.payload`."),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        path = try config.requiredString("path")
        if !path.hasPrefix("/") || path.contains("?") || path.contains("#") {
            errors.append(config.invalid("path", "must be a plain path starting with / (no query or fragment), such as /hooks/survey"))
        }
        maxBodySize = config.byteSize("max_body_size") ?? 1 << 20
        includePayload = config.bool("include_payload")
        let insecure = config.bool("insecure")
        if let signatureConfig = config.object("signature") {
            if insecure {
                errors.append(config.invalid("insecure", "insecure: true conflicts with a configured signature; remove one of them"))
            }
            do {
                signature = try WebhookSignatureCheck(signatureConfig)
            } catch {
                errors += Self.configErrors(error)
                signature = nil
            }
        } else {
            signature = nil
            if !insecure {
                errors.append(
                    config.invalid(
                        "signature",
                        "no signature check configured: add signature (scheme standard_webhooks, github or shared_secret), "
                            + "or set insecure: true to accept unsigned requests"
                    )
                )
            }
        }
        let mappingConfig = config.object("mapping") ?? ConfigValues(path: "\(config.path).mapping", [:])
        let required = config.isGiven("required") ? config.strings("required") : ["text"]
        do {
            mapping = try WebhookFieldMapping(mappingConfig, required: required, requiredError: { config.invalid("required", $0) })
        } catch {
            errors += Self.configErrors(error)
            mapping = WebhookFieldMapping.defaults
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    private static func configErrors(_ error: any Error) -> [ConfigError] {
        switch error {
        case let error as ConfigErrors: error.errors
        case let error as ConfigError: [error]
        default: [ConfigError(path: "", position: nil, message: "\(error)")]
        }
    }
}
