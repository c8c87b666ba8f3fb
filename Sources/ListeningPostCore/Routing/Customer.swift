import ListeningPostKit

/// One entry of the customer directory, from `customers.inline` or the CSV file.
public struct Customer: Sendable, Hashable {
    /// The operator's id, carried by events as `data.customer.id`.
    public var id: String
    /// Email addresses, as written.
    public var emails: [String]
    /// Phone numbers, as written (normalised to E.164 when indexed).
    public var phones: [String]
    /// Forum handles by forum channel id.
    public var handles: [String: String]
    /// A channel's own id for this person, by channel id.
    public var channelIds: [String: String]
    /// Tier, region, language, …: what segments and routes match on.
    public var attributes: [String: String]
    /// The channel id to answer this customer on, over the segment's default.
    public var preferredChannel: String?
    /// Where the entry was declared, for error messages (`customers.csv record 12`).
    public var origin: String
    /// Where an inline entry is in `channels.yaml`.
    public var position: SourcePosition?

    /// Creates an entry.
    public init(
        id: String,
        emails: [String] = [],
        phones: [String] = [],
        handles: [String: String] = [:],
        channelIds: [String: String] = [:],
        attributes: [String: String] = [:],
        preferredChannel: String? = nil,
        origin: String = "",
        position: SourcePosition? = nil
    ) {
        self.position = position
        self.id = id
        self.emails = emails
        self.phones = phones
        self.handles = handles
        self.channelIds = channelIds
        self.attributes = attributes
        self.preferredChannel = preferredChannel
        self.origin = origin
    }
}
