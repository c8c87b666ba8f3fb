import Foundation
import ListeningPostKit
import Logging
import Metrics

extension AdapterContext {
    /// A context for adapter tests: a ``RecordingSink``, a ``ManualClock``, no-op metrics
    /// a logger that drops everything and, unless given one, no outbound HTTP.
    public static func testing(
        channel: ChannelIdentity,
        sink: any IngestSink = RecordingSink(),
        clock: any AdapterClock = ManualClock(now: Date()),
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }),
        http: any OutboundHTTPClient = UnavailableHTTPClient()
    ) -> AdapterContext {
        AdapterContext(
            channel: channel,
            logger: logger,
            metrics: ChannelMetrics(channel: channel.id, factory: NOOPMetricsHandler.instance),
            sink: sink,
            clock: clock,
            http: http
        )
    }
}
