import Synchronization

/// A position that only moves forward, and the tasks waiting for it to reach theirs, each
/// with its own timeout: a reader of `/v1/nps` waiting for the projection to take in the
/// head it asked at. A wait is one continuation and one timer task; ``advance(to:)``
/// resumes every wait it satisfies.
public final class ProgressWaiters: Sendable {
    private struct State {
        var reached: Int64
        var waiters: [Int: (target: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextId = 0
    }

    private let state: Mutex<State>

    /// Starts at `reached`.
    public init(reached: Int64 = 0) {
        state = Mutex(State(reached: reached))
    }

    /// The position reached.
    public var reached: Int64 { state.withLock { $0.reached } }

    /// Moves the position to `position` (never back) and resumes the waits it satisfies.
    public func advance(to position: Int64) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.reached = max(state.reached, position)
            let due = state.waiters.filter { $0.value.target <= state.reached }
            for id in due.keys { state.waiters.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Waits until the position reaches `target`, `timeout` passes or the task is cancelled.
    /// Returns whether it was reached.
    public func wait(for target: Int64, timeout: Duration) async -> Bool {
        if reached >= target { return true }
        let id = state.withLock { state -> Int in
            state.nextId += 1
            return state.nextId
        }
        // The timeout is a child of this wait, cancelled and awaited when it ends.
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.resume(id)
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    let now = state.withLock { state -> Bool in
                        if state.reached >= target || Task.isCancelled { return true }
                        state.waiters[id] = (target, continuation)
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                resume(id)
            }
            group.cancelAll()
        }
        return reached >= target
    }

    private func resume(_ id: Int) {
        let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
        waiter?.continuation.resume()
    }
}
