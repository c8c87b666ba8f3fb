/// One entry of `routes:`.
public struct Route: Sendable {
    /// A name for logs and `route --dry-run` (`routes[2]` when none is given).
    public var name: String
    /// When it applies.
    public var condition: Condition
    /// Streams a matching event is appended to.
    public var streams: [String]
    /// Whether a match ends routing (later routes are not considered).
    public var stop: Bool

    /// Creates a route.
    public init(name: String, condition: Condition, streams: [String], stop: Bool = false) {
        self.name = name
        self.condition = condition
        self.streams = streams
        self.stop = stop
    }
}
