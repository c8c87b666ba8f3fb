import Foundation
import ListeningPostKit
import Logging
import Metrics
import ServiceLifecycle

/// Applies `store.retention` in the background: every `interval` it finds the newest event
/// old enough (or, over `max_size`, enough of the oldest) to go, and deletes each stream's
/// entries up to it, in short steps the commit loop runs between appends.
///
/// What it never deletes:
/// - the gateway's own streams (``RetentionPolicy/keptStreams``), so open cases, queued
///   messages, survey prompts and opt-outs rebuild whole at every start;
/// - anything a push subscriber has not been sent yet (past its cursor), nor a dead
///   letter's event: push subscribers are the gateway's own deliveries;
/// - a stream's newest entry, so offsets stay gapless and are never reused.
///
/// SSE and WebSocket readers are not protected, as a Kafka topic's consumers are not: one
/// that asks for a deleted offset gets a 410 naming the oldest it can have.
public struct LogRetention: Service {
    let log: SQLiteEventLog
    let policy: RetentionPolicy
    let logger: Logger
    /// The push subscribers' cursors: (stream, cursor key), read at each sweep (a reload
    /// may change them).
    let pushCursors: @Sendable () -> [(stream: String, cursorKey: String)]
    let now: @Sendable () -> Date
    private let deletedEvents: Counter

    /// Creates the service.
    public init(
        log: SQLiteEventLog,
        policy: RetentionPolicy,
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        pushCursors: @escaping @Sendable () -> [(stream: String, cursorKey: String)] = { [] },
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.log = log
        self.policy = policy
        self.logger = logger
        self.pushCursors = pushCursors
        self.now = now
        self.deletedEvents = Counter(label: "listening_post_retention_deleted_events_total", factory: metricsFactory)
    }

    public func run() async throws {
        var description: [String] = []
        if let age = policy.maxAge { description.append("messages older than \(ConfigScalars.format(age))") }
        if let size = policy.maxSize { description.append("the oldest while the log holds more than \(size) bytes") }
        logger.info("retention: deleting \(description.joined(separator: " and ")), every \(ConfigScalars.format(policy.interval))")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await sweep()
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("retention sweep failed; trying again in \(ConfigScalars.format(policy.interval))", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: policy.interval)
            }
        }
    }

    /// One pass: what it deleted, per stream.
    @discardableResult
    public func sweep() async throws -> [String: PruneResult] {
        guard let cutoff = try await cutoffSeq() else { return [:] }
        var protectedFrom: [String: (offset: Int64, reason: String)] = [:]
        for (stream, low) in try await log.deadLetterFloors() { protectedFrom[stream] = (low, "a dead letter") }
        for (stream, key) in pushCursors() {
            let next = (try await log.cursor(subscriber: key) ?? 0) + 1
            if next < protectedFrom[stream]?.offset ?? .max {
                protectedFrom[stream] = (next, "push subscriber \(key.dropFirst("push:".count))'s cursor")
            }
        }
        // How far each stream may go.
        var targets: [(stream: String, through: Int64)] = []
        var results: [String: PruneResult] = [:]
        for (stream, range) in log.streamRanges.sorted(by: { $0.key < $1.key }) where !policy.keptStreams.contains(stream) {
            guard var through = try await lastOffset(stream: stream, range: range, atOrBefore: cutoff) else { continue }
            if let hold = protectedFrom[stream], through >= hold.offset {
                through = hold.offset - 1
                logger.info("retention: stream \(stream) kept from offset \(hold.offset) for \(hold.reason)")
            }
            if through >= range.lowerBound {
                targets.append((stream, through))
                results[stream] = PruneResult(entries: 0, events: 0, oldest: range.lowerBound)
            }
        }
        // One step per stream in turn: a message is on several streams (`all`, its channel's,
        // routed ones) and its event goes with its last entry, so taking the streams side by
        // side frees space from the first steps on, not only once `all` is done.
        while !targets.isEmpty, !Task.isCancelled {
            var remaining: [(stream: String, through: Int64)] = []
            for target in targets {
                let started = ContinuousClock.now
                let step = try await log.deleteEntries(stream: target.stream, through: target.through)
                if step.events > 0 { deletedEvents.increment(by: step.events) }
                let total = results[target.stream]!
                results[target.stream] = PruneResult(entries: total.entries + step.entries, events: total.events + step.events, oldest: step.oldest)
                if step.entries > 0, step.oldest <= target.through { remaining.append(target) }
                // As long again off as the step took: a backlog is worked off with at most
                // half the writer's time, so ingest keeps the rest (bench/retention.sh).
                try await Task.sleep(for: ContinuousClock.now - started)
            }
            targets = remaining
        }
        results = results.filter { $0.value.entries > 0 }
        let events = results.values.reduce(0) { $0 + $1.events }
        if !results.isEmpty {
            let oldest = results.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.oldest)" }.joined(separator: ", ")
            logger.info("retention: deleted \(events) event(s); oldest offsets now \(oldest)")
        }
        return results
    }

    /// The newest `seq` that may go: the later of the age and the size cutoffs.
    func cutoffSeq() async throws -> Int64? {
        guard let bounds = try await log.seqBounds() else { return nil }
        var cutoff: Int64?
        if let maxAge = policy.maxAge {
            let limit = now().addingTimeInterval(-Double(maxAge.components.seconds))
            // The first event young enough to keep; `time` grows with `seq` (it is when the
            // gateway received the message, or wrote its own event).
            var low = bounds.lowerBound
            var high = bounds.upperBound + 1
            while low < high {
                let middle = low + (high - low) / 2
                guard let found = try await log.eventTime(atOrAfter: middle) else {
                    high = middle
                    continue
                }
                if found.time < limit { low = found.seq + 1 } else { high = middle }
            }
            if low > bounds.lowerBound { cutoff = low - 1 }
        }
        if let maxSize = policy.maxSize, let all = log.streamRanges[Firehose.stream] {
            let used = try await log.usedBytes()
            if used > maxSize {
                // Drop the share of `all` that brings the pages to 90 % of the limit; freed
                // pages are reused, so the next sweep measures what this one achieved.
                let share = Double(used - maxSize * 9 / 10) / Double(used)
                let count = Int64((Double(all.count) * share).rounded(.up))
                if let seq = try await log.seq(stream: Firehose.stream, offset: min(all.lowerBound + count - 1, all.upperBound)) {
                    cutoff = max(cutoff ?? 0, seq)
                }
            }
        }
        return cutoff
    }

    /// The largest offset of `stream` whose event is at or before `seq`: offsets grow with
    /// `seq` within a stream, so a binary search over point lookups finds it.
    func lastOffset(stream: String, range: ClosedRange<Int64>, atOrBefore seq: Int64) async throws -> Int64? {
        var low = range.lowerBound
        var high = range.upperBound
        var found: Int64?
        while low <= high {
            let middle = low + (high - low) / 2
            guard let entry = try await log.seq(stream: stream, offset: middle) else { break }
            if entry <= seq {
                found = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return found
    }
}
