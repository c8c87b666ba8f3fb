import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Logging
import ServiceLifecycle
import Synchronization

/// The NPS projection: every answer in the log, in an ``NPSTally``. Never a second source
/// of truth: on start it replays the `all` stream from the beginning, then follows it, so
/// what it answers is always a function of the stored events.
///
/// Readers ask with ``rows(for:through:timeout:)``: it waits until the projection has taken in
/// the log up to a given offset (the head when the request came), so an answer acknowledged
/// before a query is in that query's figures.
public final class NPSProjection: Service, Sendable {
    private let hub: StreamHub
    private let logger: Logger
    private let batchSize: Int
    private let state: Mutex<State>
    private let onChange: @Sendable (NPSTally) -> Void

    struct State {
        var tally: NPSTally
    }
    /// Offset of `all` taken in, and the readers waiting for theirs.
    private let progress = ProgressWaiters()

    /// - Parameter onChange: called (on the projection's task) at most every 5 s after
    ///   answers were added, and once a minute besides (a rolling window moves with time),
    ///   for the gauges. Not after every batch: a pass over a million answers takes ~10 ms.
    /// - Parameter reasonLanguage: how reasons are cut into stems for suggestions
    ///   (`nps.reason_language`); `nil` keeps none.
    public init(
        hub: StreamHub,
        logger: Logger,
        batchSize: Int = 2_000,
        reasonLanguage: ThemeLanguage? = ThemeLanguage(code: "en"),
        onChange: @escaping @Sendable (NPSTally) -> Void = { _ in }
    ) {
        self.state = Mutex(State(tally: NPSTally(reasonLanguage: reasonLanguage)))
        self.hub = hub
        self.logger = logger
        self.batchSize = batchSize
        self.onChange = onChange
    }

    /// The offset of `all` the projection has taken in.
    public var offset: Int64 { progress.reached }

    /// The rows of a query once the projection covers `all` through `offset`, or `nil`
    /// after `timeout`. Computed under the projection's lock: handing the tally out would
    /// make its next answer copy every column (a copy of a million answers' worth).
    public func rows(for query: NPSQuery, through offset: Int64, timeout: Duration) async -> [NPSTally.Row]? {
        await read(through: offset, timeout: timeout) { $0.rows(for: query) }
    }

    /// What `body` makes of the tally once the projection covers `all` through `offset`, or
    /// `nil` after `timeout`; `body` runs under the lock, so it should be one pass.
    public func read<Result: Sendable>(through offset: Int64, timeout: Duration, _ body: (NPSTally) -> Result) async -> Result? {
        guard await covers(offset, timeout: timeout) else { return nil }
        return state.withLock { body($0.tally) }
    }

    /// Whether the projection has taken in `all` through `offset`, waiting up to `timeout`.
    private func covers(_ offset: Int64, timeout: Duration) async -> Bool {
        await progress.wait(for: offset, timeout: timeout)
    }

    public func run() async throws {
        // Nothing to drain: what it holds is rebuilt from the log on the next start.
        try await cancelWhenGracefulShutdown { try await self.follow() }
    }

    private func follow() async throws {
        let started = ContinuousClock.now
        var replaying = true
        var lastChange = ContinuousClock.now
        var unreported = false
        // The gauges: at most every 5 s while answers arrive, and once a minute regardless.
        func reportIfDue() {
            let since = ContinuousClock.now - lastChange
            guard unreported && since > .seconds(5) || since > .seconds(60) else { return }
            lastChange = ContinuousClock.now
            unreported = false
            report()
        }
        do {
            while !Task.isCancelled {
                let from = offset
                let entries: [StreamEntry]
                do {
                    entries = try await hub.entries(stream: RoutingRules.firehose, after: from, limit: batchSize)
                } catch let deleted as OffsetsDeleted {
                    // Retention deleted those answers: the figures cover what the log keeps.
                    progress.advance(to: deleted.oldest - 1)
                    continue
                } catch {
                    // A failed read of the log leaves the figures as they are, a little behind.
                    logger.error("NPS projection could not read the log; retrying in 1 s", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: .seconds(1))
                    continue
                }
                if entries.isEmpty {
                    if replaying {
                        replaying = false
                        let count = state.withLock { $0.tally.count }
                        logger.info("NPS projection rebuilt: \(count) answer(s) from \(from) event(s) in \(ContinuousClock.now - started)")
                        report()
                    }
                    _ = await hub.waitForEntries(stream: RoutingRules.firehose, after: from, timeout: .seconds(1))
                    reportIfDue()
                    continue
                }
                let answers = entries.compactMap(Self.answer(in:))
                state.withLock { state in
                    for answer in answers { state.tally.add(answer) }
                }
                // After the tally: a reader told the offset is covered finds its answers in.
                progress.advance(to: entries.last!.offset)
                if !replaying, entries.count < batchSize {
                    // Caught up: let commits gather for a moment rather than wake per commit
                    // (bench/nps.sh: the per-commit wake-ups were most of the projection's cost).
                    // A reader of /v1/nps waits for the head it asked at, so it sees them.
                    try await Task.sleep(for: .milliseconds(25))
                }
                if !answers.isEmpty, !replaying {
                    unreported = true
                    reportIfDue()
                }
            }
        } catch is CancellationError {
            return
        }
    }

    /// Hands the tally to `onChange` without copying it: `onChange` runs before the next
    /// answer is added, so the tally is not shared when it next changes.
    private func report() {
        let tally = state.withLock { $0.tally }
        onChange(tally)
    }

    /// The answer a stored event carries: handed over with the entry at commit, or, for an
    /// entry read back from the log (the replay at start), read from its bytes. Most events
    /// carry none: those are skipped on a scan for the `feedback` member, without parsing.
    static func answer(in entry: StreamEntry) -> NPSAnswer? {
        if let notes = entry.notes { return notes[NPSAnswer.self] }
        guard entry.payload.withUnsafeBufferPointer({ contains($0, feedbackMarker) }) else { return nil }
        return NPSAnswer(payload: entry.payload)
    }

    private static let feedbackMarker = Array(#""feedback":{"#.utf8)

    private static func contains(_ haystack: UnsafeBufferPointer<UInt8>, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count, let first = needle.first else { return false }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }
}
