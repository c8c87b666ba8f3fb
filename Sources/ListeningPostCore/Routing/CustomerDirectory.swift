import Crypto
import ListeningPostKit

/// Who a message is from: the directory's customers indexed by every normalised identity.
/// A value, built whole and validated before it replaces the previous one, so a reload
/// either takes effect entirely or not at all.
public struct CustomerDirectory: Sendable {
    /// The entries, in declaration order.
    public let customers: [Customer]
    /// How identities are compared.
    public let normalizer: IdentityNormalizer
    private let index: [IdentityKey: Int]
    /// Customer id → position, for lookups by id (the outbox and case APIs).
    private let positions: [String: Int]

    /// The directory with nobody in it: every sender is provisional.
    public static let empty = try! CustomerDirectory(customers: [], normalizer: IdentityNormalizer())

    /// Indexes the entries. Throws every problem at once: a repeated customer id, an
    /// identity claimed by two customers, a phone that cannot be made E.164, an email
    /// without `@`.
    public init(customers: [Customer], normalizer: IdentityNormalizer) throws(DirectoryProblems) {
        var problems: [DirectoryProblem] = []
        var index: [IdentityKey: Int] = [:]
        var ids: [String: String] = [:]
        var positions: [String: Int] = [:]
        for (position, customer) in customers.enumerated() {
            if customer.id.isEmpty {
                problems.append(DirectoryProblem(customer, message: "a customer needs an id"))
            } else if let first = ids[customer.id] {
                problems.append(DirectoryProblem(customer, message: "customer id '\(customer.id)' is already used (\(first))"))
            } else {
                ids[customer.id] = customer.origin
                positions[customer.id] = position
            }
            var keys: [IdentityKey] = []
            for email in customer.emails {
                guard let key = normalizer.email(email) else {
                    problems.append(DirectoryProblem(customer, message: "'\(email)' is not an email address"))
                    continue
                }
                keys.append(key)
            }
            for phone in customer.phones {
                guard let key = normalizer.phone(phone) else {
                    let hint = normalizer.defaultRegion == nil ? "; write it with +country code or set customers.default_region" : ""
                    problems.append(
                        DirectoryProblem(
                            customer,
                            message: "'\(phone)' is not a phone number libphonenumber can read as one that exists (E.164)\(hint)"
                        )
                    )
                    continue
                }
                keys.append(key)
            }
            keys += Self.scopedKeys(of: customer, normalizer)
            for key in keys {
                if let other = index[key], other != position {
                    problems.append(
                        DirectoryProblem(
                            customer,
                            message: "\(key) belongs to both '\(customers[other].id)' and '\(customer.id)'; an identity can name one customer only"
                        )
                    )
                } else {
                    index[key] = position
                }
            }
        }
        guard problems.isEmpty else { throw DirectoryProblems(problems) }
        self.customers = customers
        self.normalizer = normalizer
        self.index = index
        self.positions = positions
    }

    /// The entry with this id, without scanning the directory.
    public func customer(id: String) -> Customer? {
        positions[id].map { customers[$0] }
    }

    /// The customer behind a message's author: the first of their identities (strongest
    /// first) that the directory knows; else a provisional id derived from the strongest
    /// identity; `nil` for an author with no identity at all.
    public func resolve(_ author: Author, channel: String) -> CustomerResolution? {
        let keys = normalizer.keys(of: author, channel: channel)
        for key in keys {
            if let position = index[key] {
                return CustomerResolution(customer: customers[position], provisionalId: nil, identity: key)
            }
        }
        guard let strongest = keys.first else { return nil }
        return CustomerResolution(customer: nil, provisionalId: Self.provisionalId(for: strongest), identity: strongest)
    }

    /// Every identity key of a customer, as indexed.
    public func keys(of customer: Customer) -> [IdentityKey] {
        customer.emails.compactMap(normalizer.email) + customer.phones.compactMap(normalizer.phone) + Self.scopedKeys(of: customer, normalizer)
    }

    private static func scopedKeys(of customer: Customer, _ normalizer: IdentityNormalizer) -> [IdentityKey] {
        customer.handles.sorted { $0.key < $1.key }.compactMap { normalizer.handle($0.value, channel: $0.key) }
            + customer.channelIds.sorted { $0.key < $1.key }.compactMap { normalizer.channelId($0.value, channel: $0.key) }
    }

    /// `prov_` and 20 hex digits of the identity's SHA-256: stable across restarts and
    /// replicas, so two messages from one new number share it, and it reveals nothing of
    /// the number itself.
    public static func provisionalId(for key: IdentityKey) -> String {
        let digest = SHA256.hash(data: Array(key.description.utf8))
        return "prov_"
            + digest.prefix(10).map { byte in
                let hex = Array("0123456789abcdef".utf8)
                return String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]], as: UTF8.self)
            }.joined()
    }
}

/// The outcome of resolving an author.
public struct CustomerResolution: Sendable, Hashable {
    /// The directory entry, when the sender is known.
    public var customer: Customer?
    /// The derived id, when the sender is not.
    public var provisionalId: String?
    /// The identity that decided it.
    public var identity: IdentityKey

    /// The id events carry.
    public var id: String { customer?.id ?? provisionalId ?? "" }

    /// The event's `data.customer`.
    public var reference: CustomerReference { CustomerReference(id: id, provisional: customer == nil) }
}

/// One thing wrong with the directory.
public struct DirectoryProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where (`customers.csv:12`, `channels.yaml:40:7`).
    public var origin: String
    /// What.
    public var message: String
    /// Where in `channels.yaml`, for an inline entry.
    public var position: SourcePosition?
    /// Creates a problem.
    public init(origin: String, message: String, position: SourcePosition? = nil) {
        self.origin = origin
        self.message = message
        self.position = position
    }
    /// A problem with one entry.
    public init(_ customer: Customer, message: String) {
        self.init(origin: customer.origin, message: message, position: customer.position)
    }
    public var description: String { origin.isEmpty ? message : "\(origin): \(message)" }
}

/// Every problem found while building a directory.
public struct DirectoryProblems: Error, Sendable, CustomStringConvertible {
    /// The problems, in the order found.
    public var problems: [DirectoryProblem]
    /// Wraps problems.
    public init(_ problems: [DirectoryProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
