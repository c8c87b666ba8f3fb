import Foundation
import ListeningPostKit
import ListeningPostTesting
import Logging
import Synchronization
import Testing

@Suite struct LogThrottleTests {
    final class Clock: Sendable {
        let seconds = Mutex(0.0)
        func advance(_ by: Double) { seconds.withLock { $0 += by } }
        var now: Date { Date(timeIntervalSince1970: 1_800_000_000 + seconds.withLock { $0 }) }
    }

    @Test func writesTheBurstThenCountsWhatItLeavesOut() {
        let clock = Clock()
        let throttle = LogThrottle(burst: 3, per: .seconds(60), now: { clock.now })
        let first = (0..<5).map { _ in throttle.decide() }
        #expect(first.map(\.write) == [true, true, true, false, false])
        #expect(first.map(\.lastInInterval) == [false, false, true, false, false])
        clock.advance(59)
        #expect(throttle.decide().write == false)
        clock.advance(1)
        // A new interval: written again, saying how many were left out.
        #expect(throttle.decide() == .init(write: true, suppressedBefore: 3, lastInInterval: false))
        #expect(throttle.decide() == .init(write: true, suppressedBefore: 0, lastInInterval: false))
    }

    @Test func aFloodCostsAFewLines() {
        let clock = Clock()
        let capture = CapturedLog()
        let logger = capture.logger(label: "test")
        let throttle = LogThrottle(burst: 2, per: .seconds(60), now: { clock.now })
        for number in 1...10_000 { throttle.log(logger, .notice, "refused \(number)") }
        clock.advance(61)
        throttle.log(logger, .notice, "refused again")
        #expect(
            capture.all.map { $0.prefix { $0 != "[" } } == [
                "notice refused 1  ",
                "notice refused 2 (more like this in the next 60.0 seconds are left out of the log)  ",
                "notice refused again left_out_before=9998 ",
            ]
        )
    }

    @Test func linesBelowTheLogLevelAreNotCounted() {
        let clock = Clock()
        let capture = CapturedLog()
        var logger = capture.logger(label: "test")
        logger.logLevel = .warning
        let throttle = LogThrottle(burst: 1, per: .seconds(60), now: { clock.now })
        throttle.log(logger, .info, "quiet")
        throttle.log(logger, .warning, "loud")
        #expect(capture.all.map { $0.prefix { $0 != "[" } } == ["warning loud (more like this in the next 60.0 seconds are left out of the log)  "])
    }
}
