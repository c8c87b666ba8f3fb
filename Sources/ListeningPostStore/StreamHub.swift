import DequeModule
import ListeningPostKit
import NIOCore
import Synchronization

/// Fans committed events out to live subscribers.
///
/// The log calls ``publish(_:)`` in commit order; the hub keeps the most recent entries of
/// each stream in memory so caught-up subscribers never touch the database, and wakes the
/// subscribers waiting on a stream. A subscriber further behind than the memory window
/// reads from the log. Either way it sees every offset exactly once, in order.
public final class StreamHub: Sendable {
    /// An entry with its SSE frame, encoded once, by the first SSE subscriber that reads it
    /// (not at publish: that runs on the log's writer thread, and most entries of most
    /// streams are never read live), and shared by every SSE
    /// subscriber (a `ByteBuffer` copies only on write), so fan-out to many subscribers
    /// costs a write per subscriber, not an encoding.
    private struct Recent {
        var entry: StreamEntry
        var frame: ByteBuffer?
    }

    /// A subscriber waiting for new entries, until its deadline at the latest.
    private struct Waiter {
        var continuation: CheckedContinuation<Void, Never>
        var deadline: ContinuousClock.Instant
    }

    private struct StreamState {
        var recent: Deque<Recent> = []
        var head: Int64 = 0
        /// A coalesced wake-up is scheduled for this stream's waiters.
        var wakeScheduled = false
        /// The last batch of frames handed out: subscribers woken together sit at the same
        /// offset and ask for the same range, so it is joined once and shared.
        var lastBatch: (after: Int64, through: Int64, frames: ByteBuffer)?
        var waiters: [Int: Waiter] = [:]
    }

    private struct State {
        var streams: [String: StreamState] = [:]
        var nextWaiterId = 0
    }

    private let state = Mutex(State())
    private let log: any EventLog
    /// Entries kept in memory per stream.
    public let recentCapacity: Int

    /// Above this many waiting subscribers on a stream, wake-ups are coalesced.
    public let coalesceAbove: Int
    /// How long a coalesced wake-up waits for more entries.
    public let coalescingWindow: Duration

    /// Creates a hub over a log.
    public init(log: any EventLog, recentCapacity: Int = 4096, coalesceAbove: Int = 64, coalescingWindow: Duration = .milliseconds(5)) {
        self.log = log
        self.recentCapacity = recentCapacity
        self.coalesceAbove = coalesceAbove
        self.coalescingWindow = coalescingWindow
    }

    /// Records newly committed entries and wakes their streams' subscribers.
    public func publish(_ entries: [StreamEntry]) {
        let recent = entries.map { Recent(entry: $0, frame: nil) }
        var coalesced: [(stream: String, waiters: Int)] = []
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for item in recent {
                // Mutate in place: copying a StreamState out of the dictionary would copy
                // its whole window per entry.
                if Self.append(
                    item,
                    to: &state.streams[item.entry.stream, default: StreamState()],
                    capacity: recentCapacity,
                    woken: &woken,
                    coalesceAbove: coalesceAbove
                ) {
                    coalesced.append((item.entry.stream, state.streams[item.entry.stream]?.waiters.count ?? 0))
                }
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
        for (stream, waiting) in coalesced {
            let window = coalescingWindow(waiters: waiting)
            Task { [weak self] in
                try? await Task.sleep(for: window)
                self?.wakeCoalesced(stream: stream)
            }
        }
    }

    /// How long a coalesced wake-up waits: `coalescingWindow` up to 256 waiters, then
    /// longer in proportion, up to 4×. Each wake-up costs one socket write per subscriber,
    /// so with 1,000 subscribers a 20 ms window is 50,000 writes a second instead of
    /// 200,000, and the time saved is more than the wait it adds.
    func coalescingWindow(waiters: Int) -> Duration {
        coalescingWindow * Double(min(4, max(1, waiters / 256)))
    }

    /// Returns true when a coalesced wake-up must be scheduled for the stream.
    private static func append(
        _ item: Recent,
        to stream: inout StreamState,
        capacity: Int,
        woken: inout [CheckedContinuation<Void, Never>],
        coalesceAbove: Int
    ) -> Bool {
        stream.recent.append(item)
        if stream.recent.count > capacity { stream.recent.removeFirst() }
        stream.head = max(stream.head, item.entry.offset)
        guard !stream.waiters.isEmpty else { return false }
        if stream.waiters.count > coalesceAbove {
            // Many subscribers: wake them together a moment later, so each writes several
            // events at once instead of one write (and one syscall) per event each.
            guard !stream.wakeScheduled else { return false }
            stream.wakeScheduled = true
            return true
        }
        woken += stream.waiters.values.map(\.continuation)
        stream.waiters = [:]
        return false
    }

    private func wakeCoalesced(stream: String) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.streams[stream]?.wakeScheduled = false
            defer { state.streams[stream]?.waiters = [:] }
            return (state.streams[stream]?.waiters.values).map { $0.map(\.continuation) } ?? []
        }
        for continuation in woken { continuation.resume() }
    }

    /// Wakes every subscriber waiting on a stream without new entries, so they can notice
    /// they should stop (graceful shutdown).
    public func interruptWaiters(stream: String) {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            defer { state.streams[stream]?.waiters = [:] }
            return (state.streams[stream]?.waiters.values).map { $0.map(\.continuation) } ?? []
        }
        for continuation in woken { continuation.resume() }
    }

    /// Entries after `offset`, oldest first, at most `limit`: from memory when the window
    /// covers them, else from the log. Throws ``OffsetsDeleted`` rather than skip offsets
    /// that retention deleted.
    public func entries(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry] {
        if let fromMemory = recent(stream: stream, after: offset, limit: limit) { return fromMemory.map(\.entry) }
        return try Self.gapless(try await log.read(stream: stream, after: offset, limit: limit), stream: stream, after: offset)
    }

    /// The oldest offset the stream still has (1 unless retention deleted some).
    public func oldest(stream: String) -> Int64 {
        log.oldestOffset(stream: stream)
    }

    /// Entries read from the log, if they start right after `offset`. Offsets have no gaps,
    /// so a first entry further on means retention deleted those in between.
    private static func gapless(_ entries: [StreamEntry], stream: String, after offset: Int64) throws(OffsetsDeleted) -> [StreamEntry] {
        if let first = entries.first, first.offset > offset + 1 { throw OffsetsDeleted(stream: stream, oldest: first.offset) }
        return entries
    }

    /// SSE frames of the entries after `offset` (at most `limit`), and the last offset they
    /// cover; `nil` when there are none yet. One recent entry is its shared frame, as is.
    public func frames(stream: String, after offset: Int64, limit: Int) async throws -> (last: Int64, frames: ByteBuffer)? {
        enum Lookup {
            case shared(through: Int64, frames: ByteBuffer)
            case recent(through: Int64, items: [Recent])
            case nothingNew
            case notInMemory
        }
        let lookup = state.withLock { state -> Lookup in
            guard let stream = state.streams[stream], let window = Self.window(of: stream, after: offset, limit: limit) else { return .notInMemory }
            if let batch = stream.lastBatch, batch.after == offset { return .shared(through: batch.through, frames: batch.frames) }
            guard let last = window.last else { return .nothingNew }
            return .recent(through: last.entry.offset, items: Array(window))
        }
        switch lookup {
        case .shared(let through, let frames):
            return (through, frames)
        case .nothingNew:
            return nil
        case .recent(let through, let items):
            let frames = items.map { $0.frame ?? Self.frame($0.entry) }
            let joined = Self.join(frames)
            let encoded = zip(items, frames).filter { $0.0.frame == nil }
            state.withLock { state in
                state.streams[stream]?.lastBatch = (offset, through, joined)
                // Keep the frames encoded here for the next subscriber.
                guard let first = state.streams[stream]?.recent.first?.entry.offset else { return }
                for (item, frame) in encoded {
                    let index = Int(item.entry.offset - first)
                    if index >= 0, index < state.streams[stream]!.recent.count { state.streams[stream]!.recent[index].frame = frame }
                }
            }
            return (through, joined)
        case .notInMemory:
            let entries = try Self.gapless(try await log.read(stream: stream, after: offset, limit: limit), stream: stream, after: offset)
            guard let last = entries.last else { return nil }
            return (last.offset, Self.join(entries.map(Self.frame)))
        }
    }

    private static func join(_ frames: [ByteBuffer]) -> ByteBuffer {
        if frames.count == 1 { return frames[0] }
        var joined = ByteBuffer()
        joined.reserveCapacity(frames.reduce(0) { $0 + $1.readableBytes })
        for frame in frames { joined.writeImmutableBuffer(frame) }
        return joined
    }

    private func recent(stream: String, after offset: Int64, limit: Int) -> [Recent]? {
        state.withLock { state in state.streams[stream].flatMap { Self.window(of: $0, after: offset, limit: limit) }.map(Array.init) }
    }

    /// The in-memory entries after `offset`, at most `limit` (empty when there are none
    /// yet); `nil` when the window no longer reaches back to `offset`.
    private static func window(of stream: StreamState, after offset: Int64, limit: Int) -> Deque<Recent>.SubSequence? {
        guard let first = stream.recent.first, offset + 1 >= first.entry.offset else { return nil }
        let start = min(Int(offset + 1 - first.entry.offset), stream.recent.count)
        return stream.recent[start..<min(stream.recent.count, start + limit)]
    }

    private static func frame(_ entry: StreamEntry) -> ByteBuffer {
        ByteBuffer(bytes: ServerSentEvents.frame(id: String(entry.offset), event: entry.eventType, data: entry.payload))
    }

    /// The highest committed offset of a stream.
    public func head(stream: String) async throws -> Int64 {
        if let head = state.withLock({ $0.streams[stream]?.head }), head > 0 { return head }
        return try await log.headOffset(stream: stream)
    }

    /// Waits until the stream has an offset above `offset`, the timeout passes, or the task
    /// is cancelled. Returns whether there is something new.
    ///
    /// A wait is one continuation in the stream's waiter list, no child tasks and no timer
    /// of its own: with a thousand subscribers and a thousand events a second this runs a
    /// million times a second. Timeouts are served by one ticker per hub.
    ///
    /// While a coalesced wake-up is pending, a subscriber that is behind joins it rather
    /// than returning at once: subscribers then write together, each with everything that
    /// arrived, instead of drifting apart into many small writes.
    public func waitForEntries(stream: String, after offset: Int64, timeout: Duration) async -> Bool {
        let joining = state.withLock { $0.streams[stream]?.wakeScheduled ?? false }
        if !joining, let head = try? await head(stream: stream), head > offset { return true }
        ticker.start(self)
        let id = state.withLock { state -> Int in
            state.nextWaiterId += 1
            return state.nextWaiterId
        }
        let deadline = ContinuousClock.now + timeout
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    if let current = state.streams[stream], current.head > offset, !current.wakeScheduled { return true }
                    state.streams[stream, default: StreamState()].waiters[id] = Waiter(continuation: continuation, deadline: deadline)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.streams[stream]?.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
        return ((try? await head(stream: stream)) ?? 0) > offset
    }

    /// Resumes every waiter whose deadline has passed.
    fileprivate func expireWaiters(now: ContinuousClock.Instant) {
        let expired = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var expired: [CheckedContinuation<Void, Never>] = []
            for name in state.streams.keys {
                guard let waiters = state.streams[name]?.waiters, !waiters.isEmpty else { continue }
                for (id, waiter) in waiters where waiter.deadline <= now {
                    expired.append(waiter.continuation)
                    state.streams[name]?.waiters.removeValue(forKey: id)
                }
            }
            return expired
        }
        for continuation in expired { continuation.resume() }
    }

    private let ticker = WaiterTicker()

    deinit { ticker.stop() }
}

/// One task per hub that wakes waiters whose timeout passed, every 100 ms; started with
/// the first wait.
private final class WaiterTicker: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func start(_ hub: StreamHub) {
        task.withLock { task in
            guard task == nil else { return }
            task = Task { [weak hub] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(100))
                    guard let hub else { return }
                    hub.expireWaiters(now: .now)
                }
            }
        }
    }

    func stop() { task.withLock { $0?.cancel() } }
}
