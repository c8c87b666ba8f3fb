import Foundation

/// A `when:` clause of a segment or route: leaves over the facts of a message, combined
/// with `all`, `any` and `not`. Evaluation is a pure function of ``RoutingFacts``.
public indirect enum Condition: Sendable, CustomStringConvertible {
    /// Every condition holds (a mapping with several keys means this too).
    case all([Condition])
    /// At least one holds.
    case any([Condition])
    /// It does not hold.
    case not(Condition)
    /// One test.
    case leaf(Test)

    /// One test over one fact. Lists mean "any of".
    public enum Test: Sendable {
        case segment(Set<String>)
        case channel(Set<String>)
        case channelKind(Set<String>)
        case preferredChannel(Set<String>)
        case customer(Set<String>)
        case knownCustomer(Bool)
        case attribute(name: String, values: Set<String>)
        case emailDomain(Set<String>)
        case textContains([String])
        case textMatches(Pattern)
        case feedback(Set<String>)
        case flag(Set<String>)
        case theme(Set<String>)
    }

    /// Whether the condition holds for these facts.
    public func matches(_ facts: RoutingFacts) -> Bool {
        switch self {
        case .all(let conditions): conditions.allSatisfy { $0.matches(facts) }
        case .any(let conditions): conditions.contains { $0.matches(facts) }
        case .not(let condition): !condition.matches(facts)
        case .leaf(let test): test.matches(facts)
        }
    }

    /// Whether evaluating it may read the message text.
    public var readsText: Bool {
        switch self {
        case .all(let conditions), .any(let conditions): conditions.contains(where: \.readsText)
        case .not(let condition): condition.readsText
        case .leaf(.textContains), .leaf(.textMatches): true
        case .leaf: false
        }
    }

    /// The clause in one line, as `route --dry-run` prints it.
    public var description: String {
        switch self {
        case .all(let conditions):
            conditions.isEmpty ? "always" : conditions.map(\.description).joined(separator: " and ").parenthesized(conditions.count > 1)
        case .any(let conditions): conditions.map(\.description).joined(separator: " or ").parenthesized(conditions.count > 1)
        case .not(let condition): "not \(condition)"
        case .leaf(let test): test.description
        }
    }
}

extension Condition.Test: CustomStringConvertible {
    func matches(_ facts: RoutingFacts) -> Bool {
        switch self {
        case .segment(let values): facts.segment.map(values.contains) ?? false
        case .channel(let values): values.contains(facts.channel)
        case .channelKind(let values): values.contains(facts.channelKind)
        case .preferredChannel(let values): facts.preferredChannel.map(values.contains) ?? false
        case .customer(let values): facts.customerId.map(values.contains) ?? false
        case .knownCustomer(let known): facts.knownCustomer == known
        case .attribute(let name, let values): facts.attributes[name].map(values.contains) ?? false
        case .emailDomain(let values): !facts.emailDomains.isDisjoint(with: values)
        case .textContains(let needles): needles.contains { facts.lowercasedText.contains($0) }
        case .textMatches(let pattern): pattern.matches(facts.text)
        case .feedback(let values): facts.feedbackCategory.map(values.contains) ?? false
        case .flag(let values): !facts.flags.isDisjoint(with: values)
        case .theme(let values): !facts.themes.isDisjoint(with: values)
        }
    }

    public var description: String {
        func list(_ values: Set<String>) -> String {
            values.count == 1 ? values.first! : "[" + values.sorted().joined(separator: ", ") + "]"
        }
        return switch self {
        case .segment(let values): "segment: \(list(values))"
        case .channel(let values): "channel: \(list(values))"
        case .channelKind(let values): "channel_kind: \(list(values))"
        case .preferredChannel(let values): "preferred_channel: \(list(values))"
        case .customer(let values): "customer: \(list(values))"
        case .knownCustomer(let known): "known_customer: \(known)"
        case .attribute(let name, let values): "attribute \(name): \(list(values))"
        case .emailDomain(let values): "email_domain: \(list(values))"
        case .textContains(let needles): "text_contains: \(list(Set(needles)))"
        case .textMatches(let pattern): "text_matches: /\(pattern.source)/"
        case .feedback(let values): "feedback: \(list(values))"
        case .flag(let values): "flag: \(list(values))"
        case .theme(let values): "theme: \(list(values))"
        }
    }
}

/// A compiled `text_matches` regular expression.
public struct Pattern: @unchecked Sendable {
    // NSRegularExpression is immutable once built and documented as safe to use from
    // several threads at once.
    private let expression: NSRegularExpression
    /// The expression as written.
    public let source: String

    /// Compiles; throws a message naming what is wrong.
    public init(_ source: String) throws(PatternError) {
        self.source = source
        // Foundation's error on Linux says only "the value is invalid"; Swift's own regex
        // parser, which reads the same syntax, says what and where.
        do {
            _ = try Regex(source)
        } catch {
            throw PatternError(description: "\(error)")
        }
        do {
            self.expression = try NSRegularExpression(pattern: source)
        } catch {
            throw PatternError(description: "ICU rejects it (\(error.localizedDescription))")
        }
    }

    /// Why a pattern does not compile.
    public struct PatternError: Error, CustomStringConvertible {
        public var description: String
    }

    func matches(_ text: String) -> Bool {
        expression.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}

extension String {
    fileprivate func parenthesized(_ yes: Bool) -> String { yes ? "(\(self))" : self }
}
