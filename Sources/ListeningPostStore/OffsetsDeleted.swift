/// A read asked for offsets that retention deleted (`store.retention`). Subscribers get
/// it as a 410 problem naming the oldest offset they can have, never a silent jump.
public struct OffsetsDeleted: Error, Sendable, CustomStringConvertible {
    /// The stream.
    public var stream: String
    /// Its oldest offset now.
    public var oldest: Int64

    /// Creates the error.
    public init(stream: String, oldest: Int64) {
        self.stream = stream
        self.oldest = oldest
    }

    public var description: String {
        "offsets 1…\(oldest - 1) of stream '\(stream)' were deleted by store.retention; the oldest kept is \(oldest): resume "
            + "with ?after=\(oldest - 1) (or Last-Event-ID: \(oldest - 1))"
    }
}
