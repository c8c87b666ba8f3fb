import Foundation
import Logging
import Synchronization

/// Keeps one kind of repeated log line from flooding the log: within each interval the
/// first `burst` occurrences are written, the last of them saying that more will be left
/// out, and the first line of a later interval says how many were. Somebody spraying a
/// webhook with unsigned requests, or a plugin writing garbage, then costs a few log lines
/// a minute; the metrics still count every occurrence.
public final class LogThrottle: Sendable {
    /// What to do with one occurrence.
    public struct Decision: Equatable, Sendable {
        /// Whether to write it.
        public var write: Bool
        /// Occurrences left out since the last one written.
        public var suppressedBefore: Int
        /// It is the last one written in this interval.
        public var lastInInterval: Bool

        /// Creates a decision.
        public init(write: Bool, suppressedBefore: Int, lastInInterval: Bool) {
            self.write = write
            self.suppressedBefore = suppressedBefore
            self.lastInInterval = lastInInterval
        }
    }

    private struct State {
        var intervalStart: Date?
        var written = 0
        var suppressed = 0
    }

    /// Lines written per interval.
    public let burst: Int
    /// The interval.
    public let interval: Duration
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    /// Creates a throttle; `now` is the clock (tests pass their own).
    public init(burst: Int = 10, per interval: Duration = .seconds(60), now: @escaping @Sendable () -> Date = Date.init) {
        self.burst = max(1, burst)
        self.interval = interval
        self.now = now
    }

    /// Decides about one occurrence, and counts it.
    public func decide() -> Decision {
        let time = now()
        let seconds = interval / .seconds(1)
        return state.withLock { state in
            var carried = 0
            if state.intervalStart.map({ time.timeIntervalSince($0) >= seconds }) ?? true {
                carried = state.suppressed
                state = State(intervalStart: time)
            }
            guard state.written < burst else {
                state.suppressed += 1
                return Decision(write: false, suppressedBefore: 0, lastInInterval: false)
            }
            state.written += 1
            return Decision(write: true, suppressedBefore: carried, lastInInterval: state.written == burst)
        }
    }

    /// Writes the line through `logger` unless this interval's lines are spent.
    public func log(
        _ logger: Logger,
        _ level: Logger.Level,
        _ message: @autoclosure () -> Logger.Message,
        metadata: Logger.Metadata = [:]
    ) {
        guard logger.logLevel <= level else { return }
        let decision = decide()
        guard decision.write else { return }
        var metadata = metadata
        if decision.suppressedBefore > 0 { metadata["left_out_before"] = "\(decision.suppressedBefore)" }
        let note = decision.lastInInterval ? " (more like this in the next \(interval) are left out of the log)" : ""
        logger.log(level: level, "\(message())\(note)", metadata: metadata)
    }
}
