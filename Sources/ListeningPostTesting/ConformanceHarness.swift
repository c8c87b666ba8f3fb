import ListeningPostKit

/// What ``AdapterConformance`` needs from an adapter's author: a valid config pointing at a
/// source the harness controls, ways to put input into that source, and what must never
/// be logged. One harness per adapter, kept beside the adapter's tests.
///
/// ```swift
/// struct EchoHarness: ConformanceHarness {
///     typealias Adapter = EchoAdapter
///     let push = PushDelivery()
///     func config() async throws -> [ConfigLine] { [ConfigLine("path", "/echo"), ConfigLine("secret", "s3cret-value")] }
///     var secrets: [String] { ["s3cret-value"] }
///     var invalidConfigs: [InvalidConfig] { [InvalidConfig(["path": "echo"], names: "path")] }
///     func offer(_ count: Int, to adapter: EchoAdapter) async throws -> [String] { … }  // returns the dedup keys
///     func offerInvalid(to adapter: EchoAdapter) async throws { … }                    // a bad signature
///     func redeliverUnaccepted(to adapter: EchoAdapter) async throws { try await push.redeliver(to: adapter) }
/// }
/// ```
public protocol ConformanceHarness: Sendable {
    /// The adapter under test.
    associatedtype Adapter: ChannelAdapter

    /// The channel's keys (beside `id` and `type`), valid, pointing at this harness's
    /// source. Called for every adapter instance the suite builds.
    func config() async throws -> [ConfigLine]

    /// Secret values that appear in ``config()`` and must never reach a log line or an
    /// error the gateway would log.
    var secrets: [String] { get }

    /// Changes to the valid config that `init` must refuse, each with the key its error
    /// must name. Missing required keys and unknown keys are checked without being listed.
    var invalidConfigs: [InvalidConfig] { get }

    /// Makes `count` new messages available to the running adapter (a push harness sends
    /// them to the adapter's endpoints; a pull harness adds them to its source) and returns
    /// the dedup keys the adapter will give them. Each call offers new messages.
    func offer(_ count: Int, to adapter: Adapter) async throws -> [String]

    /// Offers input the adapter must refuse (or store flagged, as a mailbox stores a
    /// poison message) and count in `listening_post_rejected_total`.
    func offerInvalid(to adapter: Adapter) async throws

    /// A push source's retry: sends again whatever the adapter did not accept. Pull
    /// harnesses leave the default, which does nothing: the adapter re-reads by itself.
    func redeliverUnaccepted(to adapter: Adapter) async throws

    /// How long the adapter may take to see offered input and commit it.
    var deliveryTimeout: Duration { get }
}

extension ConformanceHarness {
    public func redeliverUnaccepted(to adapter: Adapter) async throws {}
    public var deliveryTimeout: Duration { .seconds(20) }
}

/// One key of a channel's config, with its value written as YAML (a flow collection such
/// as `{path: /hooks}` or `[a, b]` for nested values).
public struct ConfigLine: Sendable, Hashable {
    /// The key.
    public var key: String
    /// The value, as YAML on one line.
    public var value: String
    /// Creates a line.
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A config `init` must refuse: the valid config with some keys replaced (or, with a nil
/// value, removed), and the key the error must name (`signature.secret` for a nested one).
public struct InvalidConfig: Sendable {
    /// Keys to replace, or to remove where the value is nil.
    public var changes: [String: String?]
    /// The key the error's path must end with.
    public var names: String
    /// Creates a case.
    public init(_ changes: [String: String?], names: String) {
        self.changes = changes
        self.names = names
    }
}
