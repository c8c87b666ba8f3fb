import DequeModule
import ListeningPostKit
import Synchronization

/// Fans committed events out to live subscribers.
///
/// The log calls ``publish(_:)`` in commit order; the hub keeps the most recent entries of
/// each stream in memory so caught-up subscribers never touch the database, and wakes the
/// subscribers waiting on a stream. A subscriber further behind than the memory window
/// reads from the log. Either way it sees every offset exactly once, in order.
public final class StreamHub: Sendable {
    private struct StreamState {
        var recent: Deque<StreamEntry> = []
        var head: Int64 = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private struct State {
        var streams: [String: StreamState] = [:]
        var nextWaiterId = 0
    }

    private let state = Mutex(State())
    private let log: any EventLog
    /// Entries kept in memory per stream.
    public let recentCapacity: Int

    /// Creates a hub over a log.
    public init(log: any EventLog, recentCapacity: Int = 4096) {
        self.log = log
        self.recentCapacity = recentCapacity
    }

    /// Records newly committed entries and wakes their streams' subscribers.
    public func publish(_ entries: [StreamEntry]) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for entry in entries {
                // Mutate in place: copying a StreamState out of the dictionary would copy
                // its whole window per entry.
                Self.append(entry, to: &state.streams[entry.stream, default: StreamState()], capacity: recentCapacity, woken: &woken)
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    private static func append(_ entry: StreamEntry, to stream: inout StreamState, capacity: Int, woken: inout [CheckedContinuation<Void, Never>]) {
        stream.recent.append(entry)
        if stream.recent.count > capacity { stream.recent.removeFirst() }
        stream.head = max(stream.head, entry.offset)
        if !stream.waiters.isEmpty {
            woken += stream.waiters.values
            stream.waiters = [:]
        }
    }

    /// Wakes every subscriber waiting on a stream without new entries, so they can notice
    /// they should stop (graceful shutdown).
    public func interruptWaiters(stream: String) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.streams[stream]?.waiters = [:] }
            return Array(state.streams[stream]?.waiters.values ?? [:].values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Entries after `offset`, oldest first, at most `limit`: from memory when the window
    /// covers them, else from the log.
    public func entries(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry] {
        let fromMemory = state.withLock { state -> [StreamEntry]? in
            guard let recent = state.streams[stream]?.recent, let first = recent.first else { return nil }
            guard offset + 1 >= first.offset else { return nil }
            let start = Int(offset + 1 - first.offset)
            guard start < recent.count else { return [] }
            return Array(recent[start..<min(recent.count, start + limit)])
        }
        if let fromMemory { return fromMemory }
        return try await log.read(stream: stream, after: offset, limit: limit)
    }

    /// The highest committed offset of a stream.
    public func head(stream: String) async throws -> Int64 {
        if let head = state.withLock({ $0.streams[stream]?.head }), head > 0 { return head }
        return try await log.headOffset(stream: stream)
    }

    /// Waits until the stream has an offset above `offset`, the timeout passes, or the task
    /// is cancelled. Returns whether there is something new.
    public func waitForEntries(stream: String, after offset: Int64, timeout: Duration) async -> Bool {
        if let head = try? await head(stream: stream), head > offset { return true }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForPublish(stream: stream, after: offset) }
            await group.next()
            group.cancelAll()
        }
        return ((try? await head(stream: stream)) ?? 0) > offset
    }

    private func waitForPublish(stream: String, after offset: Int64) async {
        let id = state.withLock { state -> Int in
            state.nextWaiterId += 1
            return state.nextWaiterId
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if let head = state.streams[stream]?.head, head > offset { return true }
                    state.streams[stream, default: StreamState()].waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.streams[stream]?.waiters.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
