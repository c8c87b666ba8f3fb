import Foundation
import ListeningPostKit
import Synchronization

/// An ``AdapterClock`` whose `now` is set by the test; `sleep` returns at once.
public final class ManualClock: AdapterClock {
    private let current: Mutex<Date>

    /// A clock reading `now`.
    public init(now: Date) { current = Mutex(now) }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func sleep(for duration: Duration) async throws { try Task.checkCancellation() }
}
