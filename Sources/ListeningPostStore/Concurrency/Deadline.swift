import Synchronization

/// A body that overran ``abandoning(after:_:)``'s limit.
public struct QueryOverran: Error, CustomStringConvertible {
    /// The limit it overran.
    public var limit: Duration
    /// Creates the error.
    public init(limit: Duration) { self.limit = limit }
    public var description: String { "the query did not finish within \(limit)" }
}

/// Runs `body` in a task of its own and returns its result, or throws ``QueryOverran`` after
/// `limit`, leaving the body behind (cancelled) rather than waiting for it. Unlike a task
/// group, which waits for every child, this returns even if `body` ignores cancellation.
public func abandoning<T: Sendable>(after limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let outcome = OnceContinuation<T>()
    return try await withCheckedThrowingContinuation { continuation in
        outcome.set(continuation)
        let work = Task {
            do { outcome.resume(with: .success(try await body())) } catch { outcome.resume(with: .failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            if outcome.resume(with: .failure(QueryOverran(limit: limit))) { work.cancel() }
        }
        outcome.onResume { timer.cancel() }
    }
}

/// A continuation resumed once, by whichever of several tasks comes first.
private final class OnceContinuation<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var early: Result<T, any Error>?
        var resumed = false
        var onResume: (@Sendable () -> Void)?
    }
    private let state = Mutex(State())

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Resumes unless already resumed; returns whether this call did.
    @discardableResult
    func resume(with result: Result<T, any Error>) -> Bool {
        let (continuation, hook, first) = state.withLock { state -> (CheckedContinuation<T, any Error>?, (@Sendable () -> Void)?, Bool) in
            guard !state.resumed else { return (nil, nil, false) }
            state.resumed = true
            defer { state.continuation = nil }
            if state.continuation == nil { state.early = result }
            return (state.continuation, state.onResume, true)
        }
        continuation?.resume(with: result)
        hook?()
        return first
    }

    func onResume(_ hook: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            if state.resumed { return true }
            state.onResume = hook
            return false
        }
        if already { hook() }
    }
}

/// Runs `body`, failing with a clear error if it takes longer than `limit` (and leaving it
/// behind: see ``abandoning(after:_:)``).
public func withDeadline<T: Sendable>(_ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    do {
        return try await abandoning(after: limit, body)
    } catch is QueryOverran {
        throw EventLogError(description: "timed out after \(limit) \(what)")
    }
}
