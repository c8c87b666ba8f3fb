import Foundation
import ListeningPostKit
import Logging
import SQLiteNIO
import Synchronization

/// What one pruning step deleted.
public struct PruneResult: Sendable, Equatable {
    /// Stream entries deleted.
    public var entries: Int
    /// Events deleted: those left in no stream at all.
    public var events: Int
    /// The stream's oldest offset after the step.
    public var oldest: Int64
}

/// What retention reads and deletes. Reads go to the reader connection; deletions are
/// queued to the commit loop, which runs them between commits, at most
/// ``pruneStep`` entries per transaction, so an append never waits behind more than one
/// short step.
extension SQLiteEventLog {
    /// Entries one pruning transaction deletes at most.
    public static let pruneStep: Int64 = 1_000

    /// The oldest offset `stream` still has (1 while nothing was deleted). Kept in memory:
    /// every subscriber's read checks it.
    public func oldestOffset(stream: String) -> Int64 {
        state.withLock { $0.oldest[stream] ?? 1 }
    }

    /// Every stream with entries: its oldest and newest offsets.
    public var streamRanges: [String: ClosedRange<Int64>] {
        state.withLock { state in
            var ranges: [String: ClosedRange<Int64>] = [:]
            for (stream, head) in state.heads where head > 0 { ranges[stream] = (state.oldest[stream] ?? 1)...head }
            return ranges
        }
    }

    /// Deletes the entries of `stream` from its oldest through `offset` (never its head:
    /// the newest entry stays, so offsets are never reused), at most ``pruneStep`` of them,
    /// and every event those entries leave in no stream. Call again until `oldest` passes
    /// `offset`.
    public func deleteEntries(stream: String, through offset: Int64) async throws -> PruneResult {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard state.accepting else { return false }
                state.pruning.append(Pruning(stream: stream, through: offset, continuation: continuation))
                return true
            }
            if accepted { wake.yield() } else { continuation.resume(throwing: EventLogError.closed) }
        }
    }

    func takePruning() -> Pruning? {
        state.withLock { state in state.pruning.isEmpty ? nil : state.pruning.removeFirst() }
    }

    /// One pruning step, in the commit loop.
    func prune(_ job: Pruning) async {
        let (oldest, head) = state.withLock { ($0.oldest[job.stream] ?? 1, $0.heads[job.stream] ?? 0) }
        let last = min(job.through, head - 1, oldest + Self.pruneStep - 1)
        guard last >= oldest else {
            job.continuation.resume(returning: PruneResult(entries: 0, events: 0, oldest: oldest))
            return
        }
        do {
            _ = try await writer.query("BEGIN IMMEDIATE", [])
            do {
                let range: [SQLiteData] = [.text(job.stream), .integer(Int(oldest)), .integer(Int(last))]
                // Events first, those whose only entries left are the ones this step deletes;
                // then the entries. No row comes back to Swift: sqlite-nio hands each one to
                // the event loop as a task of its own, which made a step of 1,000 slow.
                _ = try await writer.query(
                    """
                    DELETE FROM events WHERE seq IN (SELECT seq FROM stream_entries WHERE stream = ?1 AND offset BETWEEN ?2 AND ?3)
                    AND NOT EXISTS (SELECT 1 FROM stream_entries s WHERE s.seq = events.seq AND NOT (s.stream = ?1 AND s.offset BETWEEN ?2 AND ?3))
                    """,
                    range
                )
                let events = try await writer.query("SELECT changes() AS n", []).first?.column("n")?.integer ?? 0
                _ = try await writer.query("DELETE FROM stream_entries WHERE stream = ?1 AND offset BETWEEN ?2 AND ?3", range)
                let entries = try await writer.query("SELECT changes() AS n", []).first?.column("n")?.integer ?? 0
                _ = try await writer.query("COMMIT", [])
                state.withLock { $0.oldest[job.stream] = last + 1 }
                job.continuation.resume(returning: PruneResult(entries: entries, events: events, oldest: last + 1))
            } catch {
                _ = try? await writer.query("ROLLBACK", [])
                throw error
            }
        } catch {
            logger.error("retention could not delete from stream \(job.stream)", metadata: ["error": "\(error)"])
            job.continuation.resume(throwing: EventLogError(description: "pruning failed: \(error)"))
        }
    }

    /// The event number (`seq`) of a stream's entry, if it exists.
    public func seq(stream: String, offset: Int64) async throws -> Int64? {
        try await reader.query("SELECT seq FROM stream_entries WHERE stream = ? AND offset = ?", [.text(stream), .integer(Int(offset))])
            .first?.column("seq")?.integer.map(Int64.init)
    }

    /// The smallest and largest `seq` in the log.
    public func seqBounds() async throws -> ClosedRange<Int64>? {
        let row = try await reader.query("SELECT MIN(seq) AS low, MAX(seq) AS high FROM events", []).first
        guard let low = row?.column("low")?.integer, let high = row?.column("high")?.integer else { return nil }
        return Int64(low)...Int64(high)
    }

    /// The first event at or after `seq` and its CloudEvent `time`.
    public func eventTime(atOrAfter seq: Int64) async throws -> (seq: Int64, time: Date)? {
        guard let row = try await reader.query("SELECT seq, payload FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", [.integer(Int(seq))]).first,
            let found = row.column("seq")?.integer, let payload = row.column("payload")?.blob
        else { return nil }
        let time = (try? JSONValue.parse(payload.readableBytesView))?.objectValue?["time"]?.stringValue.flatMap(RFC3339.date(from:))
        return (Int64(found), time ?? .distantPast)
    }

    /// Bytes the database's pages hold, free pages left out: what retention's `max_size`
    /// compares, since SQLite reuses freed pages rather than shrinking the file.
    public func usedBytes() async throws -> Int {
        func pragma(_ name: String) async throws -> Int {
            try await reader.query("PRAGMA \(name)", []).first?.column(name)?.integer ?? 0
        }
        return try await (pragma("page_count") - pragma("freelist_count")) * pragma("page_size")
    }

    /// Per stream, the lowest offset any subscriber's dead letter holds.
    public func deadLetterFloors() async throws -> [String: Int64] {
        var floors: [String: Int64] = [:]
        for row in try await reader.query("SELECT stream, MIN(offset) AS low FROM dead_letters GROUP BY stream", []) {
            if let stream = row.column("stream")?.string, let low = row.column("low")?.integer { floors[stream] = Int64(low) }
        }
        return floors
    }
}
