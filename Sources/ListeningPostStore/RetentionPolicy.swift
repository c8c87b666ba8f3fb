/// `store.retention`: how long, or how much, of the log to keep. Messages older than
/// `maxAge`, and the oldest messages while the log holds more than `maxSize`, are deleted
/// in the background by ``LogRetention``. The gateway's own streams (`cases`, `outbox`,
/// `surveys`, `suppressions`) are kept whole: they are small, and the projections rebuilt
/// from them at start (open cases, queued messages, opt-outs) must never lose a record.
public struct RetentionPolicy: Sendable, Equatable {
    /// Delete messages received longer ago than this.
    public var maxAge: Duration?
    /// Delete the oldest messages while the log's pages hold more than this many bytes.
    public var maxSize: Int?
    /// How often to look.
    public var interval: Duration = .seconds(60)

    /// The streams retention never deletes from (the loop's own, which config names).
    public var keptStreams: Set<String>

    /// Creates a policy.
    public init(maxAge: Duration? = nil, maxSize: Int? = nil, interval: Duration = .seconds(60), keptStreams: Set<String> = []) {
        self.maxAge = maxAge
        self.maxSize = maxSize
        self.interval = interval
        self.keptStreams = keptStreams
    }

    /// The smallest `max_size`: below it the log's own tables and the kept streams fill it.
    public static let minimumSize = 1 << 20
}
