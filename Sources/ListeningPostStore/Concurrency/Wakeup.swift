import Synchronization

/// A signal one loop sleeps on with a timeout. A signal while nobody waits is kept (one).
/// One waiter at a time: a second `wait` ends the first (give each loop its own).
public final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Numbers each wait, so a late timeout cannot end the next one.
        var generation = 0
        var timedOut = 0
    }

    private let state = Mutex(State())

    /// Creates a wake-up with no signal pending.
    public init() {}

    /// Wakes the waiter, or the next one to wait.
    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at a signal, after `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        let generation = state.withLock { state -> Int? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return }
        // The timeout is a child of this wait: cancelled and awaited when the wait ends, so
        // no timer outlives it.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.expire(generation)
            }
            await suspend(generation)
            group.cancelAll()
        }
    }

    /// Ends the wait numbered `generation`, if it is still the current one.
    private func expire(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation else { return nil }
            state.timedOut = generation
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    private func suspend(_ generation: Int) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                var displaced: CheckedContinuation<Void, Never>?
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || state.timedOut == generation || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    // A waiter already there is woken rather than lost.
                    displaced = state.waiter
                    state.waiter = continuation
                    return false
                }
                displaced?.resume()
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.signal()
        }
    }
}
