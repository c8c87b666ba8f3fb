import Foundation
import ListeningPostKit
import Logging
import Metrics

extension AdapterContext {
    /// A context for adapter tests: a ``RecordingSink``, a ``ManualClock``, no-op metrics
    /// and a logger that drops everything.
    public static func testing(
        channel: ChannelIdentity, sink: any IngestSink = RecordingSink(), clock: any AdapterClock = ManualClock(now: Date()),
        logger: Logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> AdapterContext {
        AdapterContext(channel: channel, logger: logger, metrics: ChannelMetrics(channel: channel.id, factory: NOOPMetricsHandler.instance), sink: sink, clock: clock)
    }
}
