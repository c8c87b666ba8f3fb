import Foundation
import ListeningPostKit

/// Reads a `when:` clause from the config, checking every name it uses against what the
/// config declares, so a typo in a segment or channel name is an error at `check` time
/// rather than a route that silently never matches.
public struct ConditionParser: Sendable {
    /// Segment names a condition may test.
    public var segments: Set<String>
    /// Channel ids.
    public var channels: Set<String>
    /// Adapter kinds.
    public var kinds: Set<String>
    /// False for segment rules: the segment and preferred channel are what they decide.
    public var allowsSegmentFacts: Bool
    /// Theme names (`themes:`) a condition may test.
    public var themes: Set<String>

    /// The keys a condition mapping may use.
    public static let keys = [
        "all", "any", "not", "segment", "channel", "channel_kind", "preferred_channel", "customer", "known_customer",
        "attribute", "email_domain", "text_contains", "text_matches", "feedback", "flag", "theme",
    ]

    /// Creates a parser.
    public init(segments: Set<String>, channels: Set<String>, kinds: Set<String>, allowsSegmentFacts: Bool, themes: Set<String> = []) {
        self.segments = segments
        self.channels = channels
        self.kinds = kinds
        self.allowsSegmentFacts = allowsSegmentFacts
        self.themes = themes
    }

    /// Parses a clause; returns `nil` and the problems if it is not valid.
    public func parse(_ node: ConfigNode, path: String) -> (Condition?, [ConfigError]) {
        var errors: [ConfigError] = []
        let condition = parse(node, path: path, errors: &errors)
        return (errors.isEmpty ? condition : nil, errors)
    }

    private func parse(_ node: ConfigNode, path: String, errors: inout [ConfigError]) -> Condition? {
        guard case .mapping(let entries) = node.content, !entries.isEmpty else {
            errors.append(
                ConfigError(
                    path: path,
                    position: node.position,
                    message: "expected a condition mapping such as {segment: gold} or {any: [...]}, found \(node.kindDescription)"
                )
            )
            return nil
        }
        var parts: [Condition] = []
        for entry in entries {
            if let part = parseEntry(entry, path: "\(path).\(entry.key)", errors: &errors) { parts.append(part) }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    private func parseEntry(_ entry: ConfigNode.Entry, path: String, errors: inout [ConfigError]) -> Condition? {
        let value = entry.value
        func fail(_ message: String) -> Condition? {
            errors.append(ConfigError(path: path, position: value.position, message: message))
            return nil
        }
        func names(_ known: Set<String>?, what: String) -> Set<String>? {
            stringSet(value, path: path, known: known, what: what, errors: &errors)
        }
        switch entry.key {
        case "all", "any":
            guard case .sequence(let elements) = value.content, !elements.isEmpty else { return fail("expected a non-empty list of conditions") }
            let parts = elements.enumerated().compactMap { parse($0.element, path: "\(path)[\($0.offset)]", errors: &errors) }
            return entry.key == "all" ? .all(parts) : .any(parts)
        case "not":
            return parse(value, path: path, errors: &errors).map(Condition.not)
        case "segment", "preferred_channel":
            guard allowsSegmentFacts else { return fail("a segment rule cannot test '\(entry.key)': that is what segments decide") }
            if entry.key == "segment" { return names(segments, what: "segment").map { .leaf(.segment($0)) } }
            return names(channels, what: "channel").map { .leaf(.preferredChannel($0)) }
        case "channel":
            return names(channels, what: "channel").map { .leaf(.channel($0)) }
        case "channel_kind":
            return names(kinds, what: "channel kind").map { .leaf(.channelKind($0)) }
        case "customer":
            return names(nil, what: "customer id").map { .leaf(.customer($0)) }
        case "known_customer":
            switch value.scalar?.lowercased() {
            case "true": return .leaf(.knownCustomer(true))
            case "false": return .leaf(.knownCustomer(false))
            default: return fail("expected true or false")
            }
        case "attribute":
            guard case .mapping(let attributes) = value.content, !attributes.isEmpty else {
                return fail("expected a mapping of attribute names to a value or a list, such as {tier: gold}")
            }
            var parts: [Condition] = []
            for attribute in attributes {
                guard let values = stringSet(attribute.value, path: "\(path).\(attribute.key)", known: nil, what: "value", errors: &errors) else {
                    continue
                }
                parts.append(.leaf(.attribute(name: attribute.key, values: values)))
            }
            return parts.count == 1 ? parts[0] : .all(parts)
        case "email_domain":
            return names(nil, what: "domain").map { .leaf(.emailDomain(Set($0.map { $0.lowercased() }))) }
        case "text_contains":
            return names(nil, what: "text").map { .leaf(.textContains($0.map { $0.lowercased() }.sorted())) }
        case "text_matches":
            guard let source = value.scalar else { return fail("expected a regular expression") }
            do {
                return .leaf(.textMatches(try Pattern(source)))
            } catch {
                return fail("'\(source)' is not a valid regular expression: \(error)")
            }
        case "feedback":
            return names(["promoter", "passive", "detractor"], what: "feedback category").map { .leaf(.feedback($0)) }
        case "flag":
            return names(nil, what: "flag").map { .leaf(.flag($0)) }
        case "theme":
            return names(themes, what: "theme").map { .leaf(.theme($0)) }
        default:
            let hint = closestName(to: entry.key, among: Self.keys, maxDistance: 2).map { "; did you mean '\($0)'?" } ?? ""
            errors.append(
                ConfigError(
                    path: path,
                    position: entry.keyPosition,
                    message: "unknown condition '\(entry.key)'\(hint) (conditions: \(Self.keys.joined(separator: ", ")))"
                )
            )
            return nil
        }
    }

    /// A value or a non-empty list of values, each checked against `known` when given.
    private func stringSet(_ value: ConfigNode, path: String, known: Set<String>?, what: String, errors: inout [ConfigError]) -> Set<String>? {
        let list: [String]
        switch value.content {
        case .scalar(let text): list = [text]
        case .sequence(let elements) where !elements.isEmpty && elements.allSatisfy({ $0.scalar != nil }): list = elements.compactMap(\.scalar)
        default:
            errors.append(
                ConfigError(path: path, position: value.position, message: "expected a \(what) or a list of them, found \(value.kindDescription)")
            )
            return nil
        }
        var valid = true
        if let known {
            for name in list where !known.contains(name) {
                valid = false
                errors.append(
                    ConfigError(
                        path: path,
                        position: value.position,
                        message: "unknown \(what) '\(name)' (known: \(known.sorted().joined(separator: ", ")))"
                    )
                )
            }
        }
        return valid ? Set(list) : nil
    }
}
