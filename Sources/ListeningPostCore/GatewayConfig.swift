import Foundation
import ListeningPostKit
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
    /// Problems that do not stop the gateway (inline secrets, …).
    public var warnings: [ConfigError]
    /// Every secret value, for redaction.
    public var secrets: [Secret]
}

/// `server:`.
public struct ServerSettings: Sendable {
    /// Address to bind.
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// How often an idle SSE stream gets a comment line, so proxies keep it open.
    public var sseHeartbeat: Duration
}

/// `store:`.
public struct StoreSettings: Sendable {
    /// Directory holding the SQLite log (created if missing).
    public var dataDirectory: String
}

/// `logging:`.
public struct LoggingSettings: Sendable {
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
        .init("channels", .list(ConfigSpec([])), doc: "The listening posts. Each entry has `id`, `type` and the fields of that type (per type below)."),
    ])

    static let serverSpec = ConfigSpec([
        .init("host", .string, default: "127.0.0.1", example: "0.0.0.0", doc: "Address to bind."),
        .init("port", .integer, default: "8080", doc: "Port to bind; 0 picks a free port (logged at startup)."),
        .init("sse_heartbeat", .duration, default: "15s", doc: "Idle SSE streams get a comment line this often, so proxies keep them open."),
    ])

    static let storeSpec = ConfigSpec([
        .init("path", .string, default: "./data", example: "/var/lib/listening-post", doc: "Directory for the SQLite log (WAL mode). Created if missing; one gateway per directory."),
    ])

    static let loggingSpec = ConfigSpec([
        .init("level", .oneOf(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: "info", doc: "Minimum level logged."),
        .init("format", .oneOf(["text", "json"]), default: "text", doc: "`text` for people, `json` (one object per line) for log pipelines."),
    ])

    /// The spec of the keys every channel has, whatever its type.
    public static let channelCommonSpec = ConfigSpec([
        .init("id", .string, required: true, example: "support-mail", doc: "Unique channel id: lowercase letters, digits, `-` and `_`. Names the channel's stream too."),
        .init("type", .string, required: true, example: "webhook", doc: "Which adapter runs the channel (`listening-post plugins` lists them)."),
    ])

    /// Stream names the gateway reserves.
    public static let reservedStreamNames: Set<String> = ["all"]
}
