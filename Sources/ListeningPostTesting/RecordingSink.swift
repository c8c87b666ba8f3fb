import ListeningPostKit
import Synchronization

/// An in-memory ``IngestSink`` for adapter tests: keeps what was submitted, dedups like the
/// real log, and can be told to fail so tests can check an adapter's answer when the log
/// cannot commit.
public final class RecordingSink: IngestSink {
    private struct State {
        var log = MemoryLog(idPrefix: "event")
        var checkpoint: String?
        var failing = false
    }
    private let state = Mutex(State())

    /// Creates an empty sink.
    public init() {}

    /// Messages stored, in order, without duplicates.
    public var messages: [InboundMessage] { state.withLock { $0.log.messages } }

    /// The last committed checkpoint.
    public var checkpoint: String? { state.withLock { $0.checkpoint } }

    /// Makes every following `submit` throw (true) or succeed (false).
    public func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        try state.withLock { state in
            if state.failing { throw RecordingSinkError() }
            let receipts = state.log.store(messages)
            if let checkpoint { state.checkpoint = checkpoint }
            return receipts
        }
    }

    public func lastCheckpoint() async throws -> String? { checkpoint }

    public func storedEventIds(forDedupKeys dedupKeys: [String]) async throws -> [String: String] {
        state.withLock { state in state.log.eventIds(forDedupKeys: dedupKeys) }
    }
}

/// The error a failing ``RecordingSink`` throws.
public struct RecordingSinkError: Error, CustomStringConvertible {
    public var description: String { "the test sink was told to fail" }
}
