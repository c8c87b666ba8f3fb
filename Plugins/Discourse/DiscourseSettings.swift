import Foundation
import ListeningPostKit

/// A Discourse channel's validated config: a webhook endpoint, polling, or both (they
/// share dedup keys, so a post seen both ways is stored once).
struct DiscourseSettings: Sendable {
    struct Webhook: Sendable {
        var path: String
        var secrets: [String]
        var maxBodySize: Int
    }

    struct Poll: Sendable {
        var baseURL: String
        var scheme: String
        var authority: String
        var basePath: String
        var apiKey: Secret?
        var apiUsername: String
        var interval: Duration
        var backfill: Duration?
        var timeout: Duration
        var backoffBase: Duration
    }

    var baseURL: String
    var webhook: Webhook?
    var poll: Poll?
    /// Posting replies, when `reply:` is set.
    var reply: DiscourseReplySender?

    static let replySpec = ConfigSpec([
        .init(
            "api_key",
            .string,
            required: true,
            secret: true,
            example: "${DISCOURSE_REPLY_KEY}",
            doc: "An API key that may post as `api_username` (Admin > API > Keys, scope `topics: write` and `posts: edit` or global)."
        ),
        .init("api_username", .string, required: true, example: "support", doc: "The forum user replies are posted as."),
        .init("timeout", .duration, default: "30s", doc: "Per request."),
    ])

    static let webhookSpec = ConfigSpec([
        .init("path", .string, required: true, example: "/hooks/discourse", doc: "URL path the forum's webhook posts to."),
        .init(
            "secret",
            .string,
            secret: true,
            example: "${DISCOURSE_WEBHOOK_SECRET}",
            doc:
                "The webhook's secret (Discourse requires at least 12 characters); verifies `X-Discourse-Event-Signature`. "
                + "Required unless `insecure: true`."
        ),
        .init("previous_secret", .string, secret: true, doc: "During rotation, the old secret, also accepted until you remove it."),
        .init("insecure", .bool, default: "false", doc: "Accept unsigned deliveries. Logged as a warning at startup."),
        .init("max_body_size", .byteSize, default: "1MiB", doc: "Larger bodies get 413 and are not read."),
    ])
    static let pollSpec = ConfigSpec([
        .init(
            "api_key",
            .string,
            secret: true,
            example: "${DISCOURSE_API_KEY}",
            doc: "Sent as `Api-Key`. Without it only public categories are read."
        ),
        .init("api_username", .string, default: "system", doc: "Sent as `Api-Username` with the key."),
        .init("interval", .duration, default: "30s", doc: "Time between polls. Discourse caches `/posts.json` for a minute."),
        .init("backfill", .duration, default: "0s", doc: "On the very first poll, also import posts this old. `0s` starts at the newest post."),
        .init("timeout", .duration, default: "30s", doc: "Per request."),
        .init("retry_base", .duration, default: "1s", doc: "First wait after a failed poll; doubles per failure up to 5 minutes."),
    ])
    static let spec = ConfigSpec([
        .init(
            "base_url",
            .string,
            required: true,
            example: "https://forum.example.com",
            doc: "The forum's address; events name it, and polling reads from it."
        ),
        .init("webhook", .object(webhookSpec), doc: "Receive the forum's webhooks (post_created, post_edited; ping is answered)."),
        .init("poll", .object(pollSpec), doc: "Poll `GET /posts.json` for forums that cannot send webhooks."),
        .init(
            "reply",
            .object(replySpec),
            doc: "Answer on the forum (the outbox, a case's question): a reply in the customer's topic, else a private message to their handle."
        ),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        let base = try config.requiredString("base_url")
        baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        let url = URLComponents(string: baseURL)
        let validURL = url?.scheme.map { ["http", "https"].contains($0) } == true && url?.host?.isEmpty == false && url?.query == nil
        if !validURL {
            errors.append(config.invalid("base_url", "'\(base)' must be an absolute http:// or https:// URL, such as https://forum.example.com"))
        }
        if let section = config.object("webhook") {
            let path = section.string("path") ?? ""
            if !path.hasPrefix("/") || path.contains("?") {
                errors.append(section.invalid("path", "must be a plain path starting with /, such as /hooks/discourse"))
            }
            let secrets = [section.secret("secret"), section.secret("previous_secret")].compactMap { $0?.value }
            for secret in secrets where secret.count < 12 {
                errors.append(section.invalid("secret", "is \(secret.count) characters; Discourse requires at least 12"))
            }
            let insecure = section.bool("insecure")
            if secrets.isEmpty && !insecure {
                errors.append(section.invalid("secret", "is required to verify deliveries; set it, or set insecure: true to accept unsigned ones"))
            } else if !secrets.isEmpty && insecure {
                errors.append(section.invalid("insecure", "insecure: true conflicts with a configured secret; remove one of them"))
            }
            webhook = Webhook(path: path, secrets: secrets, maxBodySize: section.byteSize("max_body_size") ?? 1 << 20)
        }
        if let section = config.object("poll") {
            let backfill = section.duration("backfill") ?? .zero
            let port = url?.port.map { ":\($0)" } ?? ""
            poll = Poll(
                baseURL: baseURL,
                scheme: url?.scheme ?? "https",
                authority: (url?.host ?? "") + port,
                basePath: url?.path ?? "",
                apiKey: section.secret("api_key"),
                apiUsername: section.string("api_username") ?? "system",
                interval: section.duration("interval") ?? .seconds(30),
                backfill: backfill > .zero ? backfill : nil,
                timeout: section.duration("timeout") ?? .seconds(30),
                backoffBase: section.duration("retry_base") ?? .seconds(1)
            )
        }
        if let section = config.object("reply"), let key = section.secret("api_key") {
            let port = url?.port.map { ":\($0)" } ?? ""
            reply = DiscourseReplySender(
                scheme: url?.scheme ?? "https",
                authority: (url?.host ?? "") + port,
                basePath: url?.path ?? "",
                apiKey: key,
                apiUsername: section.string("api_username") ?? "system",
                timeout: section.duration("timeout") ?? .seconds(30)
            )
        }
        if webhook == nil && poll == nil {
            errors.append(config.invalid("webhook", "a discourse channel needs webhook, poll, or both"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }
}
