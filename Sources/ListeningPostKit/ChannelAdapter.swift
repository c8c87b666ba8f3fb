import ServiceLifecycle

/// A listening post: one kind of channel (webhook, IMAP mailbox, SMS gateway, …).
///
/// Two phases, as in swift-service-lifecycle:
/// 1. `init(config:context:)` reads the validated config, checks what the spec cannot
///    (cross-field rules) and throws ``ConfigError`` naming the field. No I/O.
/// 2. `run()` does the I/O until graceful shutdown, then returns promptly. A push adapter
///    (one that only serves ``endpoints``) just waits for shutdown.
///
/// Messages go to `context.sink`, whose `submit` returns only after they are durable:
/// answer the provider, or advance a cursor, only after it returns.
///
/// ```swift
/// public struct EchoAdapter: ChannelAdapter {
///     public static let kind = "echo"
///     public static let summary = "Accepts text on POST /echo."
///     public static let configSpec = ConfigSpec([.init("path", .string, required: true, doc: "Path to serve.")])
///     public let endpoints: [HTTPEndpoint]
///     public init(config: ConfigValues, context: AdapterContext) throws { … }
///     public func run() async throws { try await gracefulShutdown() }
/// }
/// ```
public protocol ChannelAdapter: Service {
    /// The `type:` value that selects this adapter in `channels.yaml`.
    static var kind: String { get }
    /// One line for `listening-post plugins` and the reference docs.
    static var summary: String { get }
    /// The fields this adapter accepts beside `id` and `type`.
    static var configSpec: ConfigSpec { get }

    /// Validates config and prepares the adapter. Throws ``ConfigError`` or ``ConfigErrors``.
    init(config: ConfigValues, context: AdapterContext) throws

    /// HTTP endpoints the gateway serves on this adapter's behalf. Empty for pull adapters.
    var endpoints: [HTTPEndpoint] { get }

    /// Whether `run()` must run on one gateway at a time when several share a PostgreSQL
    /// log: an adapter that polls a source or keeps a checkpoint. The gateway then runs it
    /// under a lease, and its submits fail if another gateway has taken the lease over.
    /// Endpoints are served by every gateway either way.
    var runsOnOneGateway: Bool { get }
}

extension ChannelAdapter {
    /// Pull adapters serve no endpoints.
    public var endpoints: [HTTPEndpoint] { [] }

    /// Pull adapters (no endpoints) run on one gateway; push adapters on every one.
    public var runsOnOneGateway: Bool { endpoints.isEmpty }
}
