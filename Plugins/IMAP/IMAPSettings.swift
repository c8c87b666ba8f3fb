import Foundation
import ListeningPostKit

/// An IMAP channel's validated config: one mailbox.
struct IMAPSettings: Sendable {
    /// What to do to a message on the server once its event is committed. A struct with
    /// static members, so a new action is not a breaking change.
    struct AfterCommit: Sendable, Hashable {
        let name: String
        static let nothing = AfterCommit(name: "nothing")
        static let flagSeen = AfterCommit(name: "flag_seen")
        static let move = AfterCommit(name: "move")
        static let all = [nothing, flagSeen, move]
    }

    var serverURL: String
    var mailbox: String
    var username: String
    var password: Secret?
    var bearerToken: Secret?
    var requireTLS: Bool
    var caFile: String?
    var idle: Bool
    var pollInterval: Duration
    var afterCommit: AfterCommit
    var moveTo: String?
    var backfill: Duration
    var maxMessageSize: Int
    var batchSize: Int
    var timeout: Duration
    /// Sending replies, when `smtp:` is set.
    var smtp: SMTPSender.Settings?

    static let smtpSpec = ConfigSpec([
        .init(
            "url",
            .string,
            required: true,
            example: "smtp://mail.example.com:587",
            doc: "`smtp://` (STARTTLS required unless the channel is `insecure`) or `smtps://` (TLS from the first byte), host and port."
        ),
        .init(
            "from",
            .string,
            required: true,
            example: "support@example.com",
            doc: "The address replies come from (`From:` and the envelope sender)."
        ),
        .init("from_name", .string, example: "Example Support", doc: "The display name in `From:`."),
        .init("username", .string, doc: "SMTP login. Default: the channel's `username`."),
        .init(
            "password",
            .string,
            secret: true,
            doc: "SMTP password (AUTH PLAIN or LOGIN, as the server offers). Default: the channel's `password`."
        ),
        .init("bearer_token", .string, secret: true, doc: "OAuth 2.0 access token for XOAUTH2. Default: the channel's `bearer_token`."),
        .init("timeout", .duration, default: "60s", doc: "How long one message may take, connection included."),
    ])

    static let spec = ConfigSpec([
        .init(
            "url",
            .string,
            required: true,
            example: "imaps://mail.example.com/INBOX",
            doc: "`imap://` or `imaps://`, host, optional port, and the mailbox as the path (default INBOX). Several mailboxes are several channels."
        ),
        .init("username", .string, required: true, example: "support@example.com", doc: "Login name."),
        .init("password", .string, secret: true, example: "${SUPPORT_MAIL_PASSWORD}", doc: "Password. Give this or `bearer_token`."),
        .init("bearer_token", .string, secret: true, example: "${SUPPORT_MAIL_TOKEN}", doc: "OAuth 2.0 access token, for XOAUTH2/OAUTHBEARER."),
        .init(
            "tls",
            .oneOf(["implicit", "starttls", "none"]),
            doc:
                "`implicit` (TLS from the first byte; the default for `imaps://`), `starttls` (required upgrade; the default "
                + "for `imap://`), or `none` (only with `insecure: true`)."
        ),
        .init(
            "ca_file",
            .string,
            example: "/etc/ssl/private-ca.pem",
            doc: "CA bundle to verify the server with, for a private CA or a self-signed certificate."
        ),
        .init("insecure", .bool, default: "false", doc: "Allow `tls: none`: password and mail in clear text. Logged as a warning."),
        .init("idle", .bool, default: "true", doc: "Use IMAP IDLE to hear of new mail at once, where the server offers it."),
        .init("poll_interval", .duration, default: "5s", doc: "How often to look for new mail without IDLE."),
        .init(
            "after_commit",
            .oneOf(AfterCommit.all.map(\.name)),
            default: "nothing",
            doc:
                "What to do on the server after a message's event is committed: `nothing` (the mailbox is opened read-only), "
                + "`flag_seen`, or `move` (to `move_to`)."
        ),
        .init("move_to", .string, example: "Processed", doc: "The folder `after_commit: move` moves messages to."),
        .init(
            "backfill",
            .duration,
            default: "0s",
            doc: "On the very first start, also import mail this old (by arrival date). `0s`: nothing older than now."
        ),
        .init("max_message_size", .byteSize, default: "25MiB", doc: "Larger messages are stored with their headers only, flagged `truncated`."),
        .init("batch_size", .integer, default: "100", doc: "Messages fetched and committed per transaction."),
        .init("timeout", .duration, default: "60s", doc: "Connect and per-command timeout."),
        .init(
            "smtp",
            .object(smtpSpec),
            doc: "Send replies from this mailbox over SMTP (the outbox, a case's question). Uses the channel's `ca_file`."
        ),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        let url = try config.requiredString("url")
        let components = URLComponents(string: url)
        let scheme = components?.scheme?.lowercased()
        if scheme != "imap" && scheme != "imaps" || components?.host?.isEmpty != false {
            errors.append(config.invalid("url", "'\(url)' must be imap://host[:port]/MAILBOX or imaps://host[:port]/MAILBOX"))
        }
        let host = components?.host ?? ""
        let port = components?.port.map { ":\($0)" } ?? ""
        serverURL = "\(scheme ?? "imap")://\(host.contains(":") ? "[\(host)]" : host)\(port)/"
        let path = (components?.path ?? "").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        mailbox = path.isEmpty ? "INBOX" : path
        username = try config.requiredString("username")
        password = config.secret("password")
        bearerToken = config.secret("bearer_token")
        if password == nil && bearerToken == nil {
            errors.append(config.invalid("password", "give password or bearer_token"))
        } else if password != nil && bearerToken != nil {
            errors.append(config.invalid("bearer_token", "give password or bearer_token, not both"))
        }
        let tls = config.string("tls") ?? (scheme == "imaps" ? "implicit" : "starttls")
        switch (tls, scheme) {
        case ("implicit", "imap"): errors.append(config.invalid("tls", "implicit TLS needs an imaps:// url"))
        case ("starttls", "imaps"), ("none", "imaps"):
            errors.append(config.invalid("tls", "an imaps:// url is always implicit TLS; use imap:// for \(tls)"))
        case ("none", _) where !config.bool("insecure"):
            errors.append(config.invalid("tls", "tls: none sends the password in clear text; set insecure: true to allow it"))
        default: break
        }
        requireTLS = tls == "starttls"
        caFile = config.string("ca_file")
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            errors.append(config.invalid("ca_file", "'\(caFile)' is not a readable file"))
        }
        idle = config.bool("idle")
        pollInterval = config.duration("poll_interval") ?? .seconds(5)
        afterCommit = AfterCommit(name: config.string("after_commit") ?? "nothing")
        moveTo = config.string("move_to")
        if afterCommit == .move && (moveTo ?? "").isEmpty {
            errors.append(config.invalid("move_to", "after_commit: move needs the folder to move to"))
        } else if afterCommit != .move && moveTo != nil {
            errors.append(config.invalid("move_to", "only applies with after_commit: move"))
        }
        backfill = config.duration("backfill") ?? .zero
        maxMessageSize = config.byteSize("max_message_size") ?? 25 << 20
        batchSize = config.integer("batch_size") ?? 100
        if !(1...10_000).contains(batchSize) { errors.append(config.invalid("batch_size", "must be between 1 and 10000")) }
        timeout = config.duration("timeout") ?? .seconds(60)
        if let smtp = config.object("smtp") {
            let url = smtp.string("url") ?? ""
            let parts = URLComponents(string: url)
            if !["smtp", "smtps"].contains(parts?.scheme?.lowercased() ?? "") || parts?.host?.isEmpty != false {
                errors.append(smtp.invalid("url", "'\(url)' must be smtp://host[:port] (STARTTLS required) or smtps://host[:port]"))
            }
            let from = smtp.string("from") ?? ""
            if EmailAddress(header: from)?.address != from {
                errors.append(smtp.invalid("from", "'\(from)' is not a bare email address such as support@example.com (the name goes in from_name)"))
            }
            self.smtp = SMTPSender.Settings(
                url: url,
                username: smtp.string("username") ?? username,
                password: smtp.secret("password") ?? (smtp.secret("bearer_token") == nil ? password : nil),
                bearerToken: smtp.secret("bearer_token") ?? (smtp.secret("password") == nil ? bearerToken : nil),
                from: from,
                fromName: smtp.string("from_name"),
                // STARTTLS is always required on smtp://: a reply carries the customer's words.
                requireTLS: parts?.scheme?.lowercased() == "smtp",
                caFile: caFile,
                timeout: smtp.duration("timeout") ?? .seconds(60)
            )
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }
}
