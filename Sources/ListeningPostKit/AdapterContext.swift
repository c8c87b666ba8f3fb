import Foundation
import Logging
import Metrics

/// What the gateway gives an adapter: its identity, a logger, metrics, a sink into the
/// durable log and the last committed checkpoint.
public struct AdapterContext: Sendable {
    /// The channel this adapter instance serves.
    public let channel: ChannelIdentity
    /// A logger with `channel` in its metadata. Secrets are redacted by the gateway.
    public let logger: Logger
    /// The channel's counters; the gateway already counts accepted and duplicate events.
    public let metrics: ChannelMetrics
    /// Where messages go. `submit` returns after commit.
    public let sink: any IngestSink
    /// The clock, so tests can control time.
    public let clock: any AdapterClock
    /// Outbound HTTP, for adapters that poll an API.
    public let http: any OutboundHTTPClient
    /// The business calendars, for adapters that act on opening hours.
    public let openHours: any OpenHours
    /// Limits the log lines about refused requests (``reject(_:)``), on the context's clock.
    public let rejectionLog: LogThrottle
    /// Limits the log lines about messages the log could not store (``store(_:what:success:)``).
    public let storeFailureLog: LogThrottle

    /// Creates a context (the gateway does this; tests use `ListeningPostTesting`).
    public init(
        channel: ChannelIdentity,
        logger: Logger,
        metrics: ChannelMetrics,
        sink: any IngestSink,
        clock: any AdapterClock = SystemAdapterClock(),
        http: any OutboundHTTPClient = UnavailableHTTPClient(),
        openHours: any OpenHours = NoOpenHours()
    ) {
        self.channel = channel
        self.logger = logger
        self.metrics = metrics
        self.sink = sink
        self.clock = clock
        self.http = http
        self.openHours = openHours
        rejectionLog = LogThrottle(now: { clock.now() })
        storeFailureLog = LogThrottle(now: { clock.now() })
    }
}

/// Time for adapters: wall-clock `now` for timestamps and signature windows, and `sleep`
/// for backoff and polling.
public protocol AdapterClock: Sendable {
    /// The current wall-clock time.
    func now() -> Date
    /// Sleeps for the duration, throwing `CancellationError` if cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemAdapterClock: AdapterClock {
    /// Creates the real clock.
    public init() {}
    /// The wall-clock time.
    public func now() -> Date { Date() }
    /// `Task.sleep`: cancellable.
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// Counters every adapter shares, labelled with the channel. Rejections carry a reason
/// (`signature`, `malformed`, `too_large`, …) so operators can tell attack from bug.
public struct ChannelMetrics: Sendable {
    private let channel: String
    private let factory: any MetricsFactory
    // Made once per channel: these are counted on every request, and looking a counter up
    // in the backend each time is work on the hot path.
    private let acceptedCounter: Counter
    private let duplicateCounter: Counter

    /// Creates metrics for a channel on a metrics backend.
    public init(channel: String, factory: any MetricsFactory) {
        self.channel = channel
        self.factory = factory
        acceptedCounter = Counter(label: "listening_post_accepted_total", dimensions: [("channel", channel)], factory: factory)
        duplicateCounter = Counter(label: "listening_post_duplicate_total", dimensions: [("channel", channel)], factory: factory)
    }

    /// A request or message refused, with a short snake_case reason.
    public func rejected(reason: String) {
        Counter(label: "listening_post_rejected_total", dimensions: [("channel", channel), ("reason", reason)], factory: factory).increment()
    }

    /// Input accepted but deliberately not stored (a ping, an unknown event type).
    public func ignored(reason: String) {
        Counter(label: "listening_post_ignored_total", dimensions: [("channel", channel), ("reason", reason)], factory: factory).increment()
    }

    /// Events stored, counted by the gateway after commit.
    public func accepted(_ count: Int) {
        acceptedCounter.increment(by: count)
    }

    /// Repeated deliveries answered with the original event id.
    public func duplicates(_ count: Int) {
        duplicateCounter.increment(by: count)
    }

    /// Whether the channel can currently reach its source; shown by `/readyz` too.
    public func healthy(_ isHealthy: Bool) {
        Gauge(label: "listening_post_channel_up", dimensions: [("channel", channel)], factory: factory).record(isHealthy ? 1 : 0)
    }
}
