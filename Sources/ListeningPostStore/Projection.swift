import Logging

/// State derived from the log's events (open cases, the outbox, suppressions, open survey
/// prompts): rebuilt at start by replaying its stream from the beginning, then fed every
/// commit, in commit order, by the ``EventStore``. A projection is never a second source of
/// truth, so a backend only has to implement the log, and replay gives the same answer.
///
/// Adding one is a type that conforms and a line in the list the store is opened with:
///
/// ```swift
/// let store = try await EventStore.open(backend, projections: [cases, outbox, suppressions], ...)
/// ```
public protocol Projection: Sendable {
    /// The stream it is built from, replayed whole at start.
    var stream: String { get }
    /// Folds entries in, oldest first: the replay's (of ``stream`` only) and then every
    /// commit's (of every stream: it takes what concerns it).
    func committed(_ entries: [StreamEntry])
    /// One line for the log once the replay of `events` entries is done: what it now holds.
    func rebuiltSummary(events: Int64) -> String
}

extension Projection {
    /// Replays ``stream`` from the start into the projection and logs its summary. Returns
    /// the offset reached.
    @discardableResult
    public func rebuild(from log: any EventLog, logger: Logger) async throws -> Int64 {
        let started = ContinuousClock.now
        let offset = try await log.replay(stream: stream) { committed($0) }
        logger.info("\(rebuiltSummary(events: offset)) in \(ContinuousClock.now - started)")
        return offset
    }
}
