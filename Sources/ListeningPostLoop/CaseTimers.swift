import Foundation
import ListeningPostKit
import ListeningPostStore
import Logging
import ServiceLifecycle

/// Appends the events case clocks cause (`sla_warning`, `sla_breached`, `closed`
/// unconfirmed) when they come due. It sleeps until the earliest pending timer, woken
/// early when a fold schedules an earlier one, so a breach is stored within milliseconds
/// of its due time and an idle gateway does no work. What came due while the gateway was
/// down is due at the first pass after start, with the true due time in the event.
///
/// A timer's event carries a dedup key per (case, what, target, cycle): a crash between
/// append and fold, or a second replica, can only find it stored already.
public final class CaseTimers: Service, Sendable {
    private let projection: CaseProjection
    private let log: any EventLog
    private let logger: Logger
    private let now: @Sendable () -> Date
    /// The longest sleep: wall-clock jumps (NTP, a suspended VM) are noticed this soon.
    private let maximumSleep: Duration

    /// Creates the timer loop.
    public init(
        projection: CaseProjection,
        log: any EventLog,
        logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init,
        maximumSleep: Duration = .seconds(30)
    ) {
        self.projection = projection
        self.log = log
        self.logger = logger
        self.now = now
        self.maximumSleep = maximumSleep
    }

    public func run() async throws {
        // Nothing to drain: a timer not yet stored is due again at the next start.
        await cancelWhenGracefulShutdown { await self.loop() }
    }

    private func loop() async {
        while !Task.isCancelled {
            let time = now()
            let due = projection.dueTimerEvents(now: time)
            if !due.isEmpty {
                do {
                    let receipts = try await log.append(AppendRequest(channel: CaseEvent.logChannel, events: due.map(\.event)))
                    let stored = receipts.filter { !$0.duplicate }.count
                    logger.debug("case timers: \(stored) event(s) stored, \(receipts.count - stored) already there")
                } catch {
                    projection.reschedule(due.map(\.timer))
                    logger.error("case timers could not store \(due.count) event(s); retrying in 1 s", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
                continue
            }
            var sleep = maximumSleep
            if let next = projection.nextTimerAt {
                let seconds = max(0, next.timeIntervalSince(now()))
                sleep = min(sleep, .milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
            if sleep > .zero { await projection.timersChanged.wait(timeout: sleep) }
        }
    }
}
