import Foundation
import ListeningPostKit
import ListeningPostStore
import Logging

/// The whole of `channels.yaml`, validated.
public struct GatewayConfig: Sendable {
    /// The HTTP listener.
    public var server: ServerSettings
    /// Where the durable log lives.
    public var store: StoreSettings
    /// Log level and format.
    public var logging: LoggingSettings
    /// Channels in file order.
    public var channels: [ChannelDeclaration]
    /// Where the customer directory comes from.
    public var customers: CustomerSettings = CustomerSettings()
    /// Segments, routes and the fallback stream.
    public var routing: RoutingRules = .none
    /// Streams declared under `streams:` (routes may name these, channel ids, `all` and
    /// the fallback).
    public var declaredStreams: [String] = []
    /// Who may read which streams, and who gets them pushed.
    public var subscribers: [SubscriberDeclaration] = []
    /// How NPS is added up.
    public var nps = NPSSettings()
    /// Published NPS figures to compare with (`benchmarks:`), in file order.
    public var benchmarks: [NPSBenchmark] = []
    /// Who may use the operator API, and for what.
    public var operators: [OperatorDeclaration] = []
    /// Case rules, calendars and how the loop closes.
    public var cases = CaseSettings()
    /// How the outbox paces and retries sends.
    public var outbox = OutboxSettings()
    /// Message texts by name (`templates:`), for `POST /v1/outbox`.
    public var templates: [String: NamedTemplate] = [:]
    /// Problems that do not stop the gateway (inline secrets, …).
    public var warnings: [ConfigError]
    /// Every secret value, for redaction.
    public var secrets: [Secret]
}

/// `server:`.
public struct ServerSettings: Sendable, Equatable {
    /// Address to bind.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// How often an idle SSE stream gets a comment line, so proxies keep it open.
    public var sseHeartbeat: Duration
    /// How long a request's head or body may stall, or a keep-alive connection sit idle,
    /// before it is closed.
    public var idleTimeout: Duration = .seconds(60)
    /// Connections beyond this are closed when accepted.
    public var maxConnections = 10_000
}

/// `store:`.
public struct StoreSettings: Sendable, Equatable {
    /// Directory holding the SQLite log (created if missing); with PostgreSQL, this gateway's
    /// own files (its pid lock, the last reload's answer).
    public var dataDirectory: String
    /// What to delete, and when; `nil`: keep everything.
    public var retention: RetentionPolicy? = nil
    /// The shared log several gateways write (`store.kind: postgres`); `nil`: SQLite in
    /// ``dataDirectory``.
    public var postgres: PostgresSettings? = nil
}

/// `nps:`.
public struct NPSSettings: Sendable, Equatable {
    /// Below this many answers a cell is marked `insufficient`.
    public var minResponses = 30
    /// The window of the Prometheus gauges, and `GET /v1/nps`'s default.
    public var window: Duration = .seconds(30 * 86_400)
    /// How long after a survey prompt a reply on its channel is read for a score.
    public var replyWindow: Duration = .seconds(7 * 86_400)
    /// Whether the NPS projection runs (`GET /v1/nps`, the gauges). Scores are read at
    /// ingest either way.
    public var enabled = true
    /// The language reasons are stemmed in for `GET /v1/themes/suggestions`.
    public var reasonLanguage = "en"
}

/// `outbox:`.
public struct OutboxSettings: Sendable {
    /// Per channel id, the pace of its sends.
    public var rateLimits: [String: SendRateLimit] = [:]
    /// Waits before each retry.
    public var retrySchedule: [Duration] = OutboxSettings.defaultRetrySchedule
    /// The waits before each retry when `outbox.retry` is not given.
    public static let defaultRetrySchedule: [Duration] = [
        .seconds(5), .seconds(30), .seconds(120), .seconds(600), .seconds(1800), .seconds(3600), .seconds(10_800), .seconds(21_600),
    ]
    /// Creates settings.
    public init() {}
}

/// One entry of `templates:`: a message text, and a subject for email.
public struct NamedTemplate: Sendable {
    public var name: String
    public var text: MessageTemplate
    public var subject: MessageTemplate?

    public init(name: String, text: MessageTemplate, subject: MessageTemplate? = nil) {
        self.name = name
        self.text = text
        self.subject = subject
    }

    /// Whether rendering needs a case (`case.*` or `segment.*` variables).
    public var needsCase: Bool { [text, subject].contains { $0?.uses("case") == true || $0?.uses("segment") == true } }
}

/// One entry of `operators:`: a token for the operator API and what it may do.
public struct OperatorDeclaration: Sendable {
    /// What an operator token may do. A struct with static members, so scopes can be added.
    public struct Scope: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Record survey prompts (`POST /v1/survey-prompts`).
        public static let prompts = Scope(rawValue: "prompts")
        /// Read cases (`GET /v1/cases`, `GET /v1/loop`).
        public static let casesRead = Scope(rawValue: "cases:read")
        /// Work cases: read them, assign, record responses, resolve.
        public static let cases = Scope(rawValue: "cases")
        /// Send messages to customers (`POST /v1/outbox`) and re-drive the outbox's dead letters.
        public static let send = Scope(rawValue: "send")
        /// Every scope there is.
        public static let all: [Scope] = [.prompts, .casesRead, .cases, .send]
    }

    /// The operator's name, in logs.
    public var name: String
    /// Its bearer token.
    public var token: Secret
    /// What it may do.
    public var scopes: Set<Scope>
}

/// `logging:`.
public struct LoggingSettings: Sendable, Equatable {
    /// Minimum level.
    public var level: Logger.Level
    /// `text` for people, `json` for log pipelines.
    public var format: String
}

/// One entry of `channels:`.
public struct ChannelDeclaration: Sendable {
    /// The operator's id; also a stream name.
    public var id: String
    /// The adapter `type`.
    public var kind: String
    /// The adapter's validated settings.
    public var values: ConfigValues
    /// Where the entry starts.
    public var position: SourcePosition
    /// The entry as written, without positions (``ConfigNode/canonicalText``): a reload
    /// restarts the channel only when this changes.
    public var fingerprint: String = ""

    /// The channel identity events carry.
    public var identity: ChannelIdentity { ChannelIdentity(id: id, kind: kind) }
}

extension GatewayConfig {
    /// The spec of everything above `channels:`; the reference docs are generated from it.
    public static let spec = ConfigSpec([
        .init("version", .integer, default: "1", doc: "Config format version. Only 1 exists."),
        .init("server", .object(serverSpec), default: nil, doc: "The HTTP listener for webhooks, streams, health and metrics."),
        .init("store", .object(storeSpec), doc: "The durable log."),
        .init("logging", .object(loggingSpec), doc: "Process logs."),
        .init(
            "channels",
            .list(ConfigSpec([])),
            doc: "The listening posts. Each entry has `id`, `type` and the fields of that type (per type below)."
        ),
        .init("customers", .object(customersSpec), doc: "The customer directory: who a message is from. See docs/routing.md."),
        .init(
            "segments",
            .list(segmentSpec),
            doc:
                "Ordered segment rules; the first that matches a customer wins. An entry without `when` matches everyone "
                + "and must come last; without one, unmatched customers are in segment `default`."
        ),
        .init(
            "streams",
            .stringList,
            example: "[escalations, partners]",
            doc: "Stream names routes may send to, besides `all`, the channel ids and the fallback stream."
        ),
        .init(
            "routes",
            .list(routeSpec),
            doc:
                "Ordered routing rules. Every event goes to `all` and its channel's stream, plus the streams of every matching "
                + "route up to the first with `stop: true`."
        ),
        .init("fallback_stream", .string, default: "unrouted", doc: "Where an event that matches no route goes, so none goes nowhere."),
        .init(
            "subscribers",
            .list(subscriberSpec),
            doc: "Who may read which streams (bearer tokens), and who gets a stream pushed as signed webhooks."
        ),
        .init(
            "operators",
            .list(operatorSpec),
            doc: "Tokens for the operator API (survey prompts), each with the scopes it may use. A subscriber token never grants these."
        ),
        .init(
            "themes",
            .list(themeSpec),
            doc:
                "What customers' words are about: each theme a name and phrases per language, matched on stems in every "
                + "message's subject and text at ingest (`data.themes`), usable in routes and case rules as `when: {theme: "
                + "name}` (see docs/insights.md)."
        ),
        .init("nps", .object(npsSpec), doc: "How NPS is added up for `GET /v1/nps`, the gauges and `listening-post nps` (see docs/nps.md)."),
        .init(
            "benchmarks",
            .list(benchmarkSpec),
            doc:
                "Published NPS figures, industry or competitor, for `GET /v1/nps/compare?against=name`: counts, or an NPS "
                + "with its n or its interval, so the comparison has a variance (see docs/insights.md#comparing)."
        ),
        .init(
            "calendars",
            .list(calendarSpec),
            doc: "Business hours that case standards count in (see docs/cases.md). `24x7`, every instant, needs no entry."
        ),
        .init(
            "cases",
            .object(casesSpec),
            doc: "When a message opens a case, the standards it is held to, and how the loop closes (see docs/cases.md)."
        ),
        .init("outbox", .object(outboxSpec), doc: "How the gateway sends to customers on channels that can send (see docs/outbox.md)."),
        .init(
            "templates",
            .list(templateSpec),
            doc:
                "Message texts for `POST /v1/outbox` (`\"template\": name`), rendered with Mustache from the customer, "
                + "the case, its segment and the survey; every variable is checked by `check` (see docs/outbox.md#templates)."
        ),
    ])

    static let themeSpec = ConfigSpec([
        .init(
            "name",
            .string,
            required: true,
            example: "wait-time",
            doc: "The name conditions and the event use: lowercase letters, digits, '-' and '_'."
        ),
        .init(
            "phrases",
            .custom("phrases per language"),
            required: true,
            example: "{en: [waited too long, slow], de: [langsam, lange gewartet]}",
            doc:
                "Per language (`en`, `de`, `fr`, `es`, or a libstemmer name), a phrase or a list: matched on Snowball stems "
                + "with stop words skipped, so `waited too long` also matches \"we were waiting too long\", while a word "
                + "between breaks a match. A negation just before (\"not slow\") is noted and does not count."
        ),
    ])

    static let templateSpec = ConfigSpec([
        .init("name", .string, required: true, example: "detractor-first-response", doc: "The name `POST /v1/outbox` uses."),
        .init(
            "text",
            .string,
            required: true,
            example: "\"Hi, this is about case {{case.id}}. What went wrong?\"",
            doc:
                "The message. Variables, written in full: `customer.id`, `customer.email`, `customer.phone`, `customer.preferred_channel`, "
                + "`customer.attributes.<column>`, `segment.name`, `segment.response_target`, `segment.resolution_target`, "
                + "`case.id`, `case.rule`, `case.state`, `case.channel`, `case.owner`, `case.opened_at`, `case.score`, `case.resolution`, "
                + "`case.root_cause`, `case.first_response_due`, `case.resolution_due`, `case.first_response_target`, `case.resolution_target`, "
                + "`survey.id`, `channel.id`. `{{#name}}…{{/name}}` shows a part only when it has a value."
        ),
        .init("subject", .string, example: "\"About your case {{case.id}}\"", doc: "The subject, for email; the same variables."),
    ])

    static let outboxSpec = ConfigSpec([
        .init(
            "rate_limits",
            .stringMap,
            example: "{sms-replies: 1/s}",
            doc: "Per channel id, the most sends per second, minute or hour (`1/s`, `30/m`, `500/h`). A Twilio long code sends about one a second."
        ),
        .init(
            "retry_schedule",
            .stringList,
            example: "[5s, 30s, 2m, 10m]",
            doc:
                "Waits before each retry of a retryable failure (each ±10 % jitter, at least the provider's `Retry-After`); "
                + "after the last the message is dead-lettered. Default: 5s, 30s, 2m, 10m, 30m, 1h, 3h, 6h."
        ),
    ])

    static let calendarSpec = ConfigSpec([
        .init("name", .string, required: true, example: "london-office", doc: "The name segments and case rules use."),
        .init(
            "time_zone",
            .string,
            required: true,
            example: "Europe/London",
            doc: "IANA time zone the hours and holidays are in; due times follow its DST changes."
        ),
        .init(
            "hours",
            .stringMap,
            required: true,
            example: "{mon-fri: \"09:00-17:30\", sat: \"10:00-14:00\"}",
            doc:
                "Opening hours per day (`mon` … `sun`) or run of days (`mon-fri`): `HH:MM-HH:MM`, several separated by "
                + "commas, or `closed`. Days not named are closed."
        ),
        .init("holidays", .stringList, example: "[2026-12-25, 2026-12-26]", doc: "Closed days, local `yyyy-MM-dd`."),
    ])

    static let casesSpec = ConfigSpec([
        .init(
            "rules",
            .list(caseRuleSpec),
            doc: "Every rule a message matches opens a case, unless the customer already has that rule's case open: then the message joins it."
        ),
        .init("warning_before", .duration, example: "30m", doc: "`sla_warning` comes this long before a target is due. Absent: no warnings."),
        .init(
            "confirmation_question",
            .string,
            default: "Did you get what you needed? Reply YES or NO.",
            doc: "What resolving a case asks the customer (`confirmation_requested`); a template with the variables of `templates:` (`{{case.id}}`)."
        ),
        .init(
            "confirmation_timeout",
            .duration,
            default: "7d",
            doc: "How long the question waits: a case without an answer by then closes `unconfirmed`."
        ),
    ])

    static let caseRuleSpec = ConfigSpec([
        .init("name", .string, required: true, example: "detractor-follow-up", doc: "The rule's name, on every event of its cases."),
        .init(
            "when",
            .custom("condition"),
            required: true,
            example: "{feedback: detractor}",
            doc: "Which messages open a case: the routes' conditions (see docs/routing.md)."
        ),
        .init("first_response", .duration, example: "3h", doc: "First-response standard. Absent: the segment's `response_target`."),
        .init("resolution", .duration, example: "2d", doc: "Resolution standard. Absent: the segment's `resolution_target`."),
        .init("calendar", .string, example: "london-office", doc: "The calendar the standards count in. Absent: the segment's, else `24x7`."),
    ])

    static let operatorSpec = ConfigSpec([
        .init("name", .string, required: true, example: "mailer", doc: "The operator's name (in logs)."),
        .init(
            "token",
            .string,
            required: true,
            secret: true,
            example: "${MAILER_TOKEN}",
            doc: "Bearer token for the operator API, at least 16 characters, different from every subscriber token."
        ),
        .init(
            "scopes",
            .stringList,
            required: true,
            example: "[prompts, cases]",
            doc:
                "What the token may do: `prompts` (record survey prompts with `POST /v1/survey-prompts`), `cases:read` "
                + "(read cases and loop metrics), `cases` (read and work cases: assign, respond, resolve), `send` (send to "
                + "customers with `POST /v1/outbox`, re-drive its dead letters)."
        ),
    ])

    static let npsSpec = ConfigSpec([
        .init(
            "enabled",
            .bool,
            default: "true",
            doc:
                "Run the NPS projection (`GET /v1/nps`, the gauges, `listening-post nps`). Off, scores are still read at "
                + "ingest and stored; the figures are rebuilt from the log when it is turned on again."
        ),
        .init(
            "min_responses",
            .integer,
            default: "30",
            doc: "Below this many answers a cell is marked `insufficient`: its interval is too wide to act on."
        ),
        .init("window", .duration, default: "30d", doc: "The window of the `listening_post_nps` gauges, and of `GET /v1/nps` when it names none."),
        .init(
            "reply_window",
            .duration,
            default: "7d",
            doc:
                "How long after a survey prompt (`POST /v1/survey-prompts`) the customer's SMS, email or forum reply on "
                + "that channel is read for a score (\"9 - great support\")."
        ),
        .init(
            "reason_language",
            .string,
            default: "en",
            doc:
                "The language (`en`, `de`, `fr`, `es`, or a libstemmer name) reasons are stemmed in for "
                + "`GET /v1/themes/suggestions`. Read at start."
        ),
    ])

    static let benchmarkSpec = ConfigSpec([
        .init("name", .string, required: true, example: "grocery-us", doc: "What `against=` names: lowercase letters, digits, '-' and '_'."),
        .init("source", .string, required: true, example: "XM Institute Consumer NPS 2024", doc: "Where the figure comes from."),
        .init("date", .string, required: true, example: "2024", doc: "When it was published or measured, as the source gives it."),
        .init("promoters", .integer, example: "412", doc: "With `passives` and `detractors`: the counts behind it, the best form."),
        .init("passives", .integer, example: "301", doc: "Answers 7–8."),
        .init("detractors", .integer, example: "187", doc: "Answers 0–6."),
        .init("nps", .custom("number"), example: "30", doc: "The published NPS (−100…100), with `n` or `interval`."),
        .init(
            "n",
            .integer,
            example: "1200",
            doc: "The answers behind `nps`. Passives unknown, the variance is taken as the largest that NPS allows."
        ),
        .init("interval", .custom("[low, high]"), example: "[26, 34]", doc: "The published 95 % interval of `nps`, in NPS points."),
    ])

    static let customersSpec = ConfigSpec([
        .init(
            "file",
            .string,
            example: "./customers.csv",
            doc:
                "A CSV file of customers (columns: `id`, `emails`, `phones`, `preferred_channel`, `handle:<forum channel>`, "
                + "`channel_id:<channel>`, anything else is an attribute). Reloaded on SIGHUP and when it changes; a bad "
                + "file keeps the old directory."
        ),
        .init(
            "plus_addressing",
            .oneOf(["strip", "keep"]),
            default: "strip",
            doc: "Whether `ann+orders@example.com` is the same customer as `ann@example.com` (`strip`) or not (`keep`)."
        ),
        .init(
            "default_region",
            .string,
            example: "GB",
            doc:
                "The region (ISO 3166, such as `GB`, `IT`, `US`) phone numbers written without `+country` are dialled in, "
                + "as libphonenumber reads them (trunk and international prefixes, Italian leading zeros). Without it such "
                + "numbers are an error in the directory and unmatched in messages."
        ),
        .init(
            "default_country_code",
            .string,
            example: "44",
            doc:
                "The older way to say `default_region`: a calling code, standing for its main region (44 → GB, 1 → US, 39 → IT). "
                + "Give one of the two."
        ),
        .init("inline", .list(customerSpec), doc: "Customers written in this file."),
    ])

    static let customerSpec = ConfigSpec([
        .init("id", .string, required: true, example: "cus_0042", doc: "The customer id events carry."),
        .init("emails", .stringOrList, doc: "Email addresses."),
        .init("phones", .stringOrList, doc: "Phone numbers, ideally E.164."),
        .init("handles", .stringMap, example: "{community: ann}", doc: "Forum handles by forum channel id."),
        .init("channel_ids", .stringMap, example: "{nps-survey: R-1187}", doc: "A channel's own id for this person, by channel id."),
        .init("attributes", .stringMap, example: "{tier: gold, region: emea}", doc: "What segments and routes match on."),
        .init("preferred_channel", .string, example: "sms-replies", doc: "The channel id to answer this customer on."),
    ])

    static let segmentSpec = ConfigSpec([
        .init("name", .string, required: true, example: "gold", doc: "The segment name events carry."),
        .init(
            "when",
            .custom("condition"),
            example: "{attribute: {tier: gold}}",
            doc: "Who belongs (see docs/routing.md for conditions). Absent: everyone."
        ),
        .init("preferred_channel", .string, doc: "The channel id to answer members on, unless the customer has their own preference."),
        .init(
            "response_target",
            .duration,
            example: "3h",
            doc: "How soon members should get an answer; events carry it with the due time, and it is the first-response standard of their cases."
        ),
        .init("resolution_target", .duration, example: "2d", doc: "How soon members' cases should be resolved."),
        .init(
            "calendar",
            .string,
            example: "london-office",
            doc: "The calendar (a `calendars:` name, or `24x7`) their cases' standards count in. Default `24x7`."
        ),
    ])

    static let routeSpec = ConfigSpec([
        .init("name", .string, example: "detractors", doc: "A name for logs and `route --dry-run`."),
        .init("when", .custom("condition"), required: true, example: "{feedback: detractor}", doc: "When the route applies (see docs/routing.md)."),
        .init("to", .stringOrList, required: true, example: "[escalations]", doc: "Streams a matching event goes to."),
        .init("stop", .bool, default: "false", doc: "Whether a match ends routing."),
    ])

    static let subscriberSpec = ConfigSpec([
        .init("name", .string, required: true, example: "crm", doc: "The subscriber's name (in URLs, cursors and dead letters)."),
        .init(
            "token",
            .string,
            required: true,
            secret: true,
            example: "${CRM_TOKEN}",
            doc: "Bearer token for the stream, WebSocket and dead-letter endpoints."
        ),
        .init("streams", .stringOrList, required: true, example: "[escalations]", doc: "Streams the token may read; `*` for every stream."),
        .init("webhook", .object(pushSpec), doc: "Push one stream to a URL as signed webhooks."),
    ])

    static let pushSpec = ConfigSpec([
        .init(
            "url",
            .string,
            required: true,
            example: "https://crm.example.com/hooks/listening-post",
            doc: "Where events are POSTed (the CloudEvent JSON as the body)."
        ),
        .init("stream", .string, example: "escalations", doc: "The stream pushed; may be left out when the subscriber has one stream."),
        .init(
            "secret",
            .string,
            required: true,
            secret: true,
            example: "${CRM_WEBHOOK_SECRET}",
            doc:
                "Standard Webhooks secret (`whsec_` + base64): requests carry `webhook-id` (the event id), `webhook-timestamp` "
                + "and `webhook-signature`."
        ),
        .init(
            "retry_schedule",
            .stringList,
            example: "[5s, 5m, 30m, 2h]",
            doc:
                "Waits before each retry (each ±10% jitter). After the last retry fails the event is dead-lettered. Default: "
                + "5s, 5m, 30m, 2h, 5h, 10h, 10h."
        ),
        .init("timeout", .duration, default: "10s", doc: "How long one delivery attempt may take."),
    ])

    static let serverSpec = ConfigSpec([
        .init(
            "host",
            .string,
            default: "127.0.0.1",
            example: "0.0.0.0",
            doc:
                "Address to bind. Anything but loopback turns on the bootstrap checks: demo, short (under 16 characters) "
                + "or well-known tokens and signing secrets, and `insecure: true` channels, are refused (see docs/operating.md)."
        ),
        .init(
            "idle_timeout",
            .duration,
            default: "60s",
            doc:
                "A connection whose request head or body stops arriving for this long, or that sits idle between requests, "
                + "is closed (nginx's `client_header_timeout` and `client_body_timeout` are 60 s). Never a connection whose "
                + "response is being written: SSE and WebSocket subscribers stay."
        ),
        .init(
            "max_connections",
            .integer,
            default: "10000",
            doc:
                "Connections beyond this are closed as soon as they are accepted, logged and counted in "
                + "`listening_post_http_connections_refused_total`; `listening_post_http_connections` is the number open. "
                + "The gateway raises its open-files limit to the hard limit at start, and warns when this is more than that limit can hold."
        ),
        .init(
            "allow_weak_secrets",
            .bool,
            default: "false",
            doc:
                "Run on a non-loopback `host` despite what the bootstrap checks find; each finding is logged as a warning "
                + "at start. For a closed test network only."
        ),
        .init("port", .integer, default: "8080", doc: "Port to bind; 0 picks a free port (logged at startup)."),
        .init("sse_heartbeat", .duration, default: "15s", doc: "Idle SSE streams get a comment line this often, so proxies keep them open."),
    ])

    static let storeSpec = ConfigSpec([
        .init(
            "kind",
            .oneOf(["sqlite", "postgres"]),
            default: "sqlite",
            doc:
                "`sqlite`: the embedded log in `path`, for one gateway. `postgres`: one PostgreSQL database shared by several "
                + "gateways behind a load balancer (see `postgres`, docs/scaling.md)."
        ),
        .init(
            "path",
            .string,
            default: "./data",
            example: "/var/lib/listening-post",
            doc:
                "Directory for the SQLite log (WAL mode), or with `kind: postgres` for this gateway's own files (its pid "
                + "lock, the last reload's answer). Created if missing; one gateway per directory."
        ),
        .init("postgres", .object(postgresSpec), doc: "The shared database, with `kind: postgres`."),
        .init(
            "retention",
            .object(retentionSpec),
            doc: "Delete old messages in the background. Without it nothing is ever deleted. See docs/operating.md#retention."
        ),
    ])

    static let postgresSpec = ConfigSpec([
        .init(
            "url",
            .string,
            required: true,
            example: "postgres://gateway@db.internal:5432/listening_post?sslmode=require",
            doc:
                "`postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`. `require` verifies "
                + "the server's certificate; `prefer` (the default) uses TLS when offered."
        ),
        .init(
            "password",
            .string,
            secret: true,
            example: "${LP_DATABASE_PASSWORD}",
            doc: "The password, kept out of the URL (and out of logs and `check`'s output)."
        ),
        .init(
            "pool_size",
            .integer,
            default: "10",
            doc:
                "Most connections this gateway opens: one for commits, one for the other gateways' hints, one for leases, "
                + "the rest for reads (at least 4)."
        ),
        .init(
            "lease_ttl",
            .duration,
            default: "10s",
            doc:
                "How long a gateway's lease on an exclusive source (a mailbox or forum it polls, an exec plugin, a push "
                + "subscriber, an outbox sender, the case timers) lasts unrenewed. After a crash another gateway takes over "
                + "within about this long; after a clean shutdown, within a second. At least 3s."
        ),
    ])

    static let retentionSpec = ConfigSpec([
        .init(
            "max_age",
            .duration,
            example: "90d",
            doc: "Delete messages received longer ago than this. At least `nps.window`, so NPS over its window keeps every answer."
        ),
        .init("max_size", .byteSize, example: "20GiB", doc: "Delete the oldest messages while the log's pages hold more than this (at least 1MiB)."),
        .init("interval", .duration, default: "1m", doc: "How often retention looks."),
    ])

    static let loggingSpec = ConfigSpec([
        .init("level", .oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: "info", doc: "Minimum level logged."),
        .init("format", .oneOf(["text", "json"]), default: "text", doc: "`text` for people, `json` (one object per line) for log pipelines."),
    ])

    /// The spec of the keys every channel has, whatever its type.
    public static let channelCommonSpec = ConfigSpec([
        .init(
            "id",
            .string,
            required: true,
            example: "support-mail",
            doc: "Unique channel id: lowercase letters, digits, `-` and `_`. Names the channel's stream too."
        ),
        .init("type", .string, required: true, example: "webhook", doc: "Which adapter runs the channel (`listening-post plugins` lists them)."),
    ])

    /// Stream names the gateway reserves: the firehose and the streams of the events the
    /// gateway writes itself.
    public static let reservedStreamNames: Set<String> = Set([RoutingRules.firehose] + LoopStreams.all)

    /// Every stream that exists: `all`, `surveys`, `cases`, one per channel, the declared
    /// ones and the fallback.
    public var streamNames: Set<String> {
        Set([RoutingRules.firehose] + LoopStreams.all + [routing.fallbackStream] + channels.map(\.id) + declaredStreams)
    }
}

/// `customers:`.
public struct CustomerSettings: Sendable {
    /// Entries written in `channels.yaml`.
    public var inline: [Customer] = []
    /// A CSV file of more entries, reloaded on SIGHUP and when it changes.
    public var file: String?
    /// How identities are compared.
    public var normalizer = IdentityNormalizer()
    /// The directory as loaded with the config.
    public var directory: CustomerDirectory = .empty
    /// Channel ids a customer's `preferred_channel` may name.
    public var channelIds: Set<String> = []

    /// Creates settings.
    public init() {}

    /// Reads the file (if any) and builds the directory from it and the inline entries.
    /// Throws every problem, leaving the caller's current directory in place.
    public func loadDirectory() throws(DirectoryProblems) -> CustomerDirectory {
        var customers = inline
        if let file {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw DirectoryProblems([DirectoryProblem(origin: file, message: "cannot read the customer file: \(error.localizedDescription)")])
            }
            customers += try CustomerCSV.parse(text, file: file)
        }
        var problems: [DirectoryProblem] = []
        for customer in customers {
            if let preferred = customer.preferredChannel, !channelIds.contains(preferred) {
                problems.append(
                    DirectoryProblem(
                        customer,
                        message: "preferred_channel '\(preferred)' is not a channel id (channels: \(channelIds.sorted().joined(separator: ", ")))"
                    )
                )
            }
        }
        do {
            let directory = try CustomerDirectory(customers: customers, normalizer: normalizer)
            if problems.isEmpty { return directory }
        } catch {
            problems += error.problems
        }
        throw DirectoryProblems(problems)
    }
}

/// One entry of `subscribers:`.
public struct SubscriberDeclaration: Sendable {
    /// The subscriber's name, used in URLs and cursors.
    public var name: String
    /// The bearer token that identifies it.
    public var token: Secret
    /// Streams it may read; `*` grants every stream.
    public var streams: [String]
    /// Push delivery, when configured.
    public var push: PushSettings?
    /// Where the entry starts.
    public var position: SourcePosition?

    /// Whether the token grants a stream.
    public func grants(_ stream: String) -> Bool { streams.contains("*") || streams.contains(stream) }
}

/// `subscribers[].webhook`: signed webhook push.
public struct PushSettings: Sendable {
    /// Where events are POSTed.
    public var url: String
    /// The stream pushed.
    public var stream: String
    /// Standard Webhooks secret (`whsec_…`) the receiver verifies with.
    public var secret: Secret
    /// Waits before each retry; after the last, the event is dead-lettered.
    public var retrySchedule: [Duration]
    /// How long one attempt may take.
    public var timeout: Duration

    /// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: about a day of retries, as Standard
    /// Webhooks senders commonly do.
    public static let defaultRetrySchedule: [Duration] = [
        .seconds(5), .seconds(300), .seconds(1800), .seconds(7200), .seconds(18000), .seconds(36000), .seconds(36000),
    ]
}
