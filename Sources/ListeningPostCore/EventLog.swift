import ListeningPostKit

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

    /// A subscriber's committed cursor (the last offset it has acknowledged).
    func cursor(subscriber: String) async throws -> Int64?
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

    /// Creates a request.
    public init(channel: String, events: [PreparedEvent], checkpoint: String? = nil, cursors: [String: Int64] = [:]) {
        self.channel = channel
        self.events = events
        self.checkpoint = checkpoint
        self.cursors = cursors
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

    /// Creates a prepared event.
    public init(id: String, dedupKey: String, payload: [UInt8], streams: [String]) {
        self.id = id
        self.dedupKey = dedupKey
        self.payload = payload
        self.streams = streams
    }
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

    /// Creates an entry.
    public init(stream: String, offset: Int64, eventId: String, payload: [UInt8]) {
        self.stream = stream
        self.offset = offset
        self.eventId = eventId
        self.payload = payload
    }
}

/// Why the log refused a write.
public struct EventLogError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    public let description: String

    static let closed = EventLogError(description: "the event log is shutting down")
}
