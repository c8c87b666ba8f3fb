import ListeningPostKit

/// What segment and route conditions can see about one message, gathered once: the
/// enriched event plus the directory entry's attributes and emails.
public struct RoutingFacts: Sendable {
    /// The channel id.
    public var channel: String
    /// The channel's adapter kind.
    public var channelKind: String
    /// The segment, once chosen (segments themselves are matched before it is).
    public var segment: String?
    /// The channel to answer on, once chosen.
    public var preferredChannel: String?
    /// The customer id, known or provisional.
    public var customerId: String?
    /// Whether the sender is in the directory.
    public var knownCustomer: Bool
    /// The directory entry's attributes.
    public var attributes: [String: String]
    /// Domains of the author's email and of every email the directory has for them.
    public var emailDomains: Set<String>
    /// Subject and text, lowercased, for `text_contains` (empty unless asked for).
    public var lowercasedText: String
    /// Subject and text as written, for `text_matches` (empty unless asked for).
    public var text: String
    /// The feedback category (`promoter`, `passive`, `detractor`).
    public var feedbackCategory: String?
    /// The message's flags.
    public var flags: Set<String>
    /// The themes it mentions, negated mentions left out.
    public var themes: Set<String>

    /// Gathers the facts of an event and the directory entry it resolved to.
    /// - Parameter includeText: whether to gather the text facts (some condition reads them).
    public init(event: MessageEvent, customer: Customer?, normalizer: IdentityNormalizer, includeText: Bool = true) {
        channel = event.channel
        channelKind = event.channelKind
        segment = event.data.segment
        preferredChannel = event.data.preferredChannel
        customerId = event.data.customer?.id
        knownCustomer = customer != nil
        attributes = customer?.attributes ?? [:]
        var domains = Set<String>()
        for email in [event.data.author.email].compactMap({ $0 }) + (customer?.emails ?? []) {
            if let domain = normalizer.email(email)?.emailDomain { domains.insert(domain) }
        }
        emailDomains = domains
        text = includeText ? [event.data.subject, event.data.text].compactMap { $0 }.joined(separator: "\n") : ""
        lowercasedText = includeText ? text.lowercased() : ""
        feedbackCategory = event.data.feedback?.category.rawValue
        flags = Set(event.data.flags.map(\.rawValue))
        themes = Set(event.data.themes.filter { !$0.negated }.map(\.theme))
    }
}
