/// One entry of `segments:`: who belongs (first match wins) and what belonging means.
public struct Segment: Sendable {
    /// The name events carry as `segment`.
    public var name: String
    /// Who belongs; `nil` matches everyone (a catch-all, which must come last).
    public var condition: Condition?
    /// The channel id to answer members on, unless the customer has their own preference.
    public var preferredChannel: String?
    /// How soon members should get an answer: the first-response standard of their cases.
    public var responseTarget: Duration?
    /// How soon their cases should be resolved.
    public var resolutionTarget: Duration?
    /// The calendar (a `calendars:` name or `24x7`) their cases' standards count in.
    public var calendar: String?

    /// Creates a segment.
    public init(
        name: String,
        condition: Condition? = nil,
        preferredChannel: String? = nil,
        responseTarget: Duration? = nil,
        resolutionTarget: Duration? = nil,
        calendar: String? = nil
    ) {
        self.name = name
        self.condition = condition
        self.preferredChannel = preferredChannel
        self.responseTarget = responseTarget
        self.resolutionTarget = resolutionTarget
        self.calendar = calendar
    }

    /// The segment of a message that matches no rule, when the config has no catch-all.
    public static let builtinDefault = Segment(name: "default")
}
