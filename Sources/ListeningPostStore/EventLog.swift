import Foundation
import ListeningPostKit
import ServiceLifecycle

/// The durable, ordered record of every event: the one place "acknowledged" means "stored".
///
/// Every write — events, the checkpoint covering them, subscriber cursors — goes through
/// `append`, so a checkpoint commits in the same transaction as its events.
public protocol EventLog: Sendable {
    /// Commits the request atomically and returns a result per event, in order. A (channel,
    /// dedup key) already stored is not stored again: its result carries the original id.
    func append(_ request: AppendRequest) async throws -> [IngestReceipt]

    /// Entries of a stream with offsets above `offset`, oldest first, at most `limit`.
    func read(stream: String, after offset: Int64, limit: Int) async throws -> [StreamEntry]

    /// The highest offset in a stream, 0 when empty.
    func headOffset(stream: String) async throws -> Int64

    /// The checkpoint committed last for a channel.
    func checkpoint(channel: String) async throws -> String?

    /// The event ids of those of `dedupKeys` stored for a channel, by key.
    func storedEventIds(channel: String, forDedupKeys dedupKeys: [String]) async throws -> [String: String]

    /// The CloudEvent JSON of the event with this id, `nil` when there is none.
    func event(id: String) async throws -> [UInt8]?

    /// A subscriber's committed cursor (the last offset it has acknowledged).
    func cursor(subscriber: String) async throws -> Int64?

    /// A push subscriber's dead letters, oldest first.
    func deadLetters(subscriber: String) async throws -> [DeadLetter]

    /// Those of the given provisional customer ids that events have carried and that no
    /// directory entry has adopted yet.
    func unadoptedProvisionalIds(among ids: [String]) async throws -> [String]

    /// The oldest offset a stream still has: 1 unless retention deleted older ones.
    func oldestOffset(stream: String) -> Int64
}

extension EventLog {
    /// Reads a stream from the start in batches, handing each to `body`: how a projection
    /// rebuilds itself at start. Returns the offset reached.
    @discardableResult
    public func replay(stream: String, batchSize: Int = 2_000, _ body: ([StreamEntry]) throws -> Void) async throws -> Int64 {
        var offset: Int64 = 0
        while true {
            let entries = try await read(stream: stream, after: offset, limit: batchSize)
            guard let last = entries.last else { return offset }
            try body(entries)
            offset = last.offset
        }
    }
}

/// The stream every event is appended to whatever the routes say: the log's one total
/// order, which retention measures and a subscriber may read whole.
public enum Firehose {
    /// Its name.
    public static let stream = "all"
}

/// What one `append` commits.
public struct AppendRequest: Sendable {
    /// The channel the events came in on.
    public var channel: String
    /// The events, ready to store.
    public var events: [PreparedEvent]
    /// The channel's new checkpoint, committed with the events; `nil` leaves it as is.
    public var checkpoint: String?
    /// Subscriber cursors to commit with the events.
    public var cursors: [String: Int64]
    /// Provisional customer ids the events carry, remembered so a later directory entry
    /// can adopt them.
    public var provisionalCustomers: Set<String>
    /// Provisional id → customer id adoptions, committed with the merge events.
    public var adoptions: [String: String]
    /// Events a push subscriber gave up on, committed with its cursor moving past them.
    public var deadLetters: [DeadLetter]
    /// Dead letters delivered after all, to forget.
    public var clearedDeadLetters: [DeadLetterKey]

    /// Creates a request.
    public init(
        channel: String,
        events: [PreparedEvent],
        checkpoint: String? = nil,
        cursors: [String: Int64] = [:],
        provisionalCustomers: Set<String> = [],
        adoptions: [String: String] = [:],
        deadLetters: [DeadLetter] = [],
        clearedDeadLetters: [DeadLetterKey] = []
    ) {
        self.channel = channel
        self.events = events
        self.checkpoint = checkpoint
        self.cursors = cursors
        self.provisionalCustomers = provisionalCustomers
        self.adoptions = adoptions
        self.deadLetters = deadLetters
        self.clearedDeadLetters = clearedDeadLetters
    }

    /// Whether committing it would change nothing.
    public var isEmpty: Bool {
        events.isEmpty && checkpoint == nil && cursors.isEmpty && provisionalCustomers.isEmpty && adoptions.isEmpty && deadLetters.isEmpty
            && clearedDeadLetters.isEmpty
    }
}

/// An event a push subscriber could not take after every retry.
public struct DeadLetter: Sendable, Hashable {
    /// The subscriber.
    public var subscriber: String
    /// The stream it was pushed from.
    public var stream: String
    /// Its offset there.
    public var offset: Int64
    /// The event id.
    public var eventId: String
    /// Attempts made.
    public var attempts: Int
    /// The last attempt's failure.
    public var lastError: String
    /// When it was given up on.
    public var deadAt: Date
    /// The CloudEvent JSON (filled when read back).
    public var payload: [UInt8]

    /// Creates a dead letter.
    public init(
        subscriber: String,
        stream: String,
        offset: Int64,
        eventId: String,
        attempts: Int,
        lastError: String,
        deadAt: Date,
        payload: [UInt8] = []
    ) {
        self.subscriber = subscriber
        self.stream = stream
        self.offset = offset
        self.eventId = eventId
        self.attempts = attempts
        self.lastError = lastError
        self.deadAt = deadAt
        self.payload = payload
    }

    /// Its key.
    public var key: DeadLetterKey { DeadLetterKey(subscriber: subscriber, eventId: eventId) }
}

/// Names one dead letter.
public struct DeadLetterKey: Sendable, Hashable {
    /// The subscriber.
    public var subscriber: String
    /// The event id.
    public var eventId: String
    /// Creates a key.
    public init(subscriber: String, eventId: String) {
        self.subscriber = subscriber
        self.eventId = eventId
    }
}

/// An event ready to store: encoded, with its dedup key and the streams it goes to.
public struct PreparedEvent: Sendable {
    /// The event id.
    public var id: String
    /// The source's identity for the message.
    public var dedupKey: String
    /// The CloudEvent JSON.
    public var payload: [UInt8]
    /// Streams to append it to, each at most once.
    public var streams: [String]
    /// What the writer derived from the event before encoding it: handed with the committed
    /// entries to the projections, and to the ``FollowUpPlanner`` if the event is stored for
    /// the first time, so neither parses the payload. The log never looks inside.
    public var notes: EventNotes
    /// Events that exist because of this one, stored in the same transaction under the same
    /// channel, and only if this event is stored for the first time.
    public var dependents: [PreparedEvent]

    /// Creates a prepared event.
    public init(id: String, dedupKey: String, payload: [UInt8], streams: [String], notes: EventNotes = EventNotes(), dependents: [PreparedEvent] = [])
    {
        self.id = id
        self.dedupKey = dedupKey
        self.payload = payload
        self.streams = streams
        self.notes = notes
        self.dependents = dependents
    }
}

/// Decides, inside the transaction that stores new events, which further events they
/// cause (in the loop: a detractor's case opened, a case closed on the customer's yes), so
/// the cause and its effect commit together. The log calls it serially, once per
/// transaction, with the notes of the events stored for the first time (never for a
/// duplicate) that ``plans(for:)`` picked, and only
/// after every earlier transaction's entries went to `onCommit` — with a shared log, other
/// gateways' entries of ``plannedStream`` too.
public protocol FollowUpPlanner: Sendable {
    /// The log channel the follow-ups' dedup keys belong to.
    var followUpChannel: String { get }
    /// The stream the planner's own state is built from (its follow-ups and the events of
    /// other writers that change what it would plan).
    var plannedStream: String { get }
    /// Whether an event with these notes may cause follow-ups; the log asks the planner only
    /// about those (and, on PostgreSQL, opens a transaction of its own only for them).
    func plans(for notes: EventNotes) -> Bool
    /// The events that follow from the newly stored ones (their notes, in order).
    func followUps(to stored: [EventNotes]) -> [PreparedEvent]
}

/// One event at one offset of one stream.
public struct StreamEntry: Sendable, Hashable {
    /// The stream.
    public var stream: String
    /// Position in the stream, from 1, increasing without gaps.
    public var offset: Int64
    /// The event id.
    public var eventId: String
    /// The CloudEvent JSON.
    public var payload: [UInt8]
    /// The writer's notes, on entries handed over at commit; `nil` on entries read back from
    /// the log, whose readers derive what they need from the payload.
    public var notes: EventNotes?

    /// Creates an entry.
    public init(stream: String, offset: Int64, eventId: String, payload: [UInt8], notes: EventNotes? = nil) {
        self.stream = stream
        self.offset = offset
        self.eventId = eventId
        self.payload = payload
        self.notes = notes
    }

    // The same entry whether handed over at commit or read back: the notes are a cache.
    public static func == (lhs: StreamEntry, rhs: StreamEntry) -> Bool {
        lhs.stream == rhs.stream && lhs.offset == rhs.offset && lhs.eventId == rhs.eventId && lhs.payload == rhs.payload
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(stream)
        hasher.combine(offset)
        hasher.combine(eventId)
    }
}

/// Why the log refused a write.
public struct EventLogError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    /// Creates an error that says `description`.
    public init(description: String) { self.description = description }

    package static let closed = EventLogError(description: "the event log is shutting down")
}

extension StreamEntry {
    /// The CloudEvent `type` of the payload, for SSE's `event:` line. The gateway writes
    /// keys sorted, so `type` is the payload's last member: reading it from the end avoids
    /// parsing the event.
    public var eventType: String {
        let marker = Array(#","type":""#.utf8)
        let bytes = payload
        guard bytes.count > marker.count + 2, bytes.last == UInt8(ascii: "}"), bytes[bytes.count - 2] == UInt8(ascii: "\"") else {
            return MessageEvent.messageReceivedType
        }
        let end = bytes.count - 2
        var index = end - 1
        while index >= marker.count, bytes[index] != UInt8(ascii: "\"") { index -= 1 }
        guard index >= marker.count - 1, Array(bytes[(index - marker.count + 1)...index]) == marker else { return MessageEvent.messageReceivedType }
        return String(decoding: bytes[(index + 1)..<end], as: UTF8.self)
    }
}

extension EventLog {
    /// A log without retention keeps every offset.
    public func oldestOffset(stream: String) -> Int64 { 1 }
}
