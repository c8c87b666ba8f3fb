/// One entry of `segments:`: who belongs (first match wins) and what belonging means.
public struct Segment: Sendable {
    /// The name events carry as `segment`.
    public var name: String
    /// Who belongs; `nil` matches everyone (a catch-all, which must come last).
    public var condition: Condition?
    /// The channel id to answer members on, unless the customer has their own preference.
    public var preferredChannel: String?
    /// How soon members should get an answer.
    public var responseTarget: Duration?

    /// Creates a segment.
    public init(name: String, condition: Condition? = nil, preferredChannel: String? = nil, responseTarget: Duration? = nil) {
        self.name = name
        self.condition = condition
        self.preferredChannel = preferredChannel
        self.responseTarget = responseTarget
    }

    /// The segment of a message that matches no rule, when the config has no catch-all.
    public static let builtinDefault = Segment(name: "default")
}
