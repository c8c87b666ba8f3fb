import ListeningPostKit
import Synchronization

/// The sink ``AdapterConformance`` gives the adapter: dedups like the log, records every
/// attempt, and can be told to fail as a log that cannot commit does. A failed submit
/// stores nothing and leaves the checkpoint where it was.
public final class ConformanceSink: IngestSink {
    private struct State {
        var log = MemoryLog(idPrefix: "conformance")
        var attempted: Set<String> = []
        var checkpoint: String?
        var failing = false
    }
    private let state = Mutex(State())

    /// Creates an empty sink.
    public init() {}

    /// Dedup keys stored, in commit order.
    public var committedKeys: [String] { state.withLock { $0.log.messages.map(\.dedupKey) } }
    /// Dedup keys the adapter tried to submit, whether or not the commit succeeded.
    public var attemptedKeys: Set<String> { state.withLock { $0.attempted } }
    /// The last committed checkpoint.
    public var checkpoint: String? { state.withLock { $0.checkpoint } }

    /// Makes every following submit throw (true) or succeed (false).
    public func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        try state.withLock { state in
            state.attempted.formUnion(messages.map(\.dedupKey))
            if state.failing { throw ConformanceSinkError() }
            let receipts = state.log.store(messages)
            if let checkpoint { state.checkpoint = checkpoint }
            return receipts
        }
    }

    public func lastCheckpoint() async throws -> String? { checkpoint }

    public func storedEventIds(forDedupKeys dedupKeys: [String]) async throws -> [String: String] {
        state.withLock { state in state.log.eventIds(forDedupKeys: dedupKeys) }
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    public func wait(timeout: Duration, until condition: @Sendable (ConformanceSink) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition(self)
    }
}

/// What a failing ``ConformanceSink`` throws: the log could not commit.
public struct ConformanceSinkError: Error, CustomStringConvertible {
    public var description: String { "the conformance sink was told to fail (a commit that did not happen)" }
}
