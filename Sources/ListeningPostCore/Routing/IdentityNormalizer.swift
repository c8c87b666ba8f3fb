import ListeningPostKit

/// Turns the identities a message or a directory entry carries into comparable keys, so
/// `Alice+support@Example.com` from the mailbox and `alice@example.com` in the CSV are one
/// person, and `07700 900123` and `+44 7700 900123` are one phone.
public struct IdentityNormalizer: Sendable, Hashable {
    /// Whether `local+tag@domain` is the same mailbox as `local@domain` (`strip`, the
    /// default) or a different one (`keep`).
    public var stripPlusAddressing: Bool
    /// The region phone numbers written without `+country` are read in (`GB`); `nil` leaves
    /// such numbers unmatched rather than guessing.
    public var defaultRegion: String?

    /// Creates a normalizer.
    public init(stripPlusAddressing: Bool = true, defaultRegion: String? = nil) {
        self.stripPlusAddressing = stripPlusAddressing
        self.defaultRegion = defaultRegion
    }

    /// `email:<local>@<domain>`, lowercased, plus-tag removed per config; `nil` when the
    /// text is not an address.
    public func email(_ raw: String) -> IdentityKey? {
        let trimmed = raw.trimmingASCIIWhitespace().lowercased()
        guard let at = trimmed.lastIndex(of: "@"), at != trimmed.startIndex, trimmed.index(after: at) != trimmed.endIndex else { return nil }
        var local = trimmed[..<at]
        let domain = trimmed[trimmed.index(after: at)...]
        if stripPlusAddressing, let plus = local.firstIndex(of: "+"), plus != local.startIndex {
            local = local[..<plus]
        }
        return IdentityKey(kind: .email, scope: nil, value: "\(local)@\(domain)")
    }

    /// `phone:+<E.164>`; `nil` when it cannot be made E.164.
    public func phone(_ raw: String) -> IdentityKey? {
        PhoneNumber.e164(raw, defaultRegion: defaultRegion).map { IdentityKey(kind: .phone, scope: nil, value: $0) }
    }

    /// A forum handle, scoped to the forum channel (handles are only unique per forum),
    /// compared case-insensitively as Discourse does.
    public func handle(_ raw: String, channel: String) -> IdentityKey? {
        let trimmed = raw.trimmingASCIIWhitespace().lowercased()
        guard !trimmed.isEmpty else { return nil }
        return IdentityKey(kind: .handle, scope: channel, value: String(trimmed.drop { $0 == "@" }))
    }

    /// A channel's own id for a person (a survey respondent id), scoped to the channel and
    /// compared exactly.
    public func channelId(_ raw: String, channel: String) -> IdentityKey? {
        let trimmed = raw.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { return nil }
        return IdentityKey(kind: .channelId, scope: channel, value: String(trimmed))
    }

    /// Every identity a message's author reveals on a channel, strongest first: email,
    /// phone, forum handle, channel id.
    public func keys(of author: Author, channel: String) -> [IdentityKey] {
        [
            author.email.flatMap(email), author.phone.flatMap(phone),
            author.handle.flatMap { handle($0, channel: channel) }, author.id.flatMap { channelId($0, channel: channel) },
        ].compactMap { $0 }
    }
}

/// One normalised identity: what the directory indexes and provisional ids derive from.
public struct IdentityKey: Sendable, Hashable, CustomStringConvertible {
    /// What kind of identity.
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An email address.
        public static let email = Kind(rawValue: "email")
        /// An E.164 phone number.
        public static let phone = Kind(rawValue: "phone")
        /// A forum handle.
        public static let handle = Kind(rawValue: "handle")
        /// A channel's own id for the person.
        public static let channelId = Kind(rawValue: "id")
    }

    /// The kind.
    public var kind: Kind
    /// The channel a handle or channel id belongs to; `nil` for email and phone.
    public var scope: String?
    /// The normalised value.
    public var value: String

    /// `email:a@b.com`, `phone:+4477…`, `handle:community:alice`, `id:nps-survey:R-1`.
    public var description: String {
        scope.map { "\(kind.rawValue):\($0):\(value)" } ?? "\(kind.rawValue):\(value)"
    }

    /// The email domain, for `email_domain` conditions.
    public var emailDomain: String? {
        guard kind == .email, let at = value.lastIndex(of: "@") else { return nil }
        return String(value[value.index(after: at)...])
    }
}
