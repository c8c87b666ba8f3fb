import Foundation
import Mustache

/// A message text from `channels.yaml` (`templates:`, `cases.confirmation_question`),
/// rendered with swift-mustache from the customer, their segment, the case, the survey and
/// the sending channel: `Hi, about your case {{case.id}}: …`.
///
/// Every variable is checked when the config is read, so a typo is a `check` error rather
/// than an empty gap in a message a customer reads. Names are written in full
/// (`{{customer.id}}`, also inside sections); partials and delimiter changes are refused,
/// since a message has nothing to include. Rendering is plain text: nothing is
/// HTML-escaped.
public struct MessageTemplate: Sendable {
    /// The text as written.
    public let source: String
    /// The variables it uses, by full name (`case.id`).
    public let variables: Set<String>
    private let template: MustacheTemplate

    /// Why a template text was refused, with where in the text.
    public struct Problem: Error, CustomStringConvertible, Sendable {
        public var message: String
        /// 1-based line and column within the text.
        public var line: Int
        public var column: Int
        public var description: String { "line \(line), column \(column): \(message)" }
    }

    /// The switch to plain text, so `&` stays `&`: the library escapes HTML by default and
    /// takes its content type only from this pragma.
    private static let plainText = "{{% CONTENT_TYPE: TEXT}}"

    /// Parses a text and checks every variable against `known`.
    public init(_ source: String, known: TemplateVariables) throws(Problem) {
        let tags = try Self.tags(in: source)
        var used: Set<String> = []
        for tag in tags {
            guard known.contains(tag.name) else {
                throw Problem(message: "unknown variable '\(tag.name)' (\(known.hint(for: tag.name)))", line: tag.line, column: tag.column)
            }
            used.insert(tag.name)
        }
        do {
            template = try MustacheTemplate(string: Self.plainText + source)
        } catch let error as MustacheTemplate.ParserError {
            let firstLine = error.context.lineNumber == 1
            throw Problem(
                message: Self.describe(error.error),
                line: error.context.lineNumber,
                column: max(1, error.context.columnNumber - (firstLine ? Self.plainText.count : 0))
            )
        } catch {
            throw Problem(message: "\(error)", line: 1, column: 1)
        }
        self.source = source
        self.variables = used
    }

    /// Whether it uses any variable under `group` (`case`).
    public func uses(_ group: String) -> Bool { variables.contains { $0 == group || $0.hasPrefix(group + ".") } }

    /// The text for these values; a variable without a value renders empty.
    public func render(_ values: TemplateValues) -> String { template.render(values.tree) }

    private static func describe(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: "a section is closed with another name than it was opened with"
        case .unfinishedName?: "a tag is not closed with }}"
        case .expectedSectionEnd?: "a section is opened ({{#…}} or {{^…}}) and never closed ({{/…}})"
        default: "\(error)"
        }
    }

    /// One `{{…}}` that names a variable.
    struct Tag: Equatable {
        var name: String
        var line: Int
        var column: Int
    }

    /// The variable names in a text, with where each is. Written here because swift-mustache
    /// keeps its tokens internal; the library still parses the text for rendering, so the two
    /// cannot disagree about anything but names (which this reads the same way).
    static func tags(in source: String) throws(Problem) -> [Tag] {
        var tags: [Tag] = []
        var line = 1
        var lineStart = source.startIndex
        var index = source.startIndex
        while let open = source[index...].range(of: "{{") {
            for character in source[index..<open.lowerBound] where character == "\n" { line += 1 }
            if let lastNewline = source[index..<open.lowerBound].lastIndex(of: "\n") { lineStart = source.index(after: lastNewline) }
            let column = source.distance(from: lineStart, to: open.lowerBound) + 1
            let triple = source[open.upperBound...].hasPrefix("{")
            let closer = triple ? "}}}" : "}}"
            let contentStart = triple ? source.index(after: open.upperBound) : open.upperBound
            guard let close = source[contentStart...].range(of: closer) else {
                throw Problem(message: "a tag is not closed with \(closer)", line: line, column: column)
            }
            var content = source[contentStart..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            index = close.upperBound
            if !triple, let sigil = content.first {
                switch sigil {
                case "!", "%", "/": continue
                case ">", "<", "$":
                    throw Problem(message: "partials and blocks ({{\(sigil)…}}) are not supported in message templates", line: line, column: column)
                case "=":
                    throw Problem(message: "changing the delimiters ({{=…=}}) is not supported in message templates", line: line, column: column)
                case "#", "^", "&": content = String(content.dropFirst()).trimmingCharacters(in: .whitespaces)
                default: break
                }
            }
            // A transform, `uppercased(case.id)`, names its variable in the parentheses.
            if let openParen = content.lastIndex(of: "("), let closeParen = content[openParen...].firstIndex(of: ")") {
                content = String(content[content.index(after: openParen)..<closeParen])
            }
            guard content != "." else { continue }
            tags.append(Tag(name: content, line: line, column: column))
        }
        return tags
    }
}

/// The names a template may use. `customer.attributes.*` is open when the directory comes
/// from a CSV file, whose columns are known only when it is read.
public struct TemplateVariables: Sendable {
    /// Every name, in full.
    public var names: Set<String>
    /// Prefixes under which any name is accepted.
    public var openPrefixes: [String]

    public init(names: Set<String>, openPrefixes: [String] = []) {
        self.names = names
        self.openPrefixes = openPrefixes
    }

    /// The names every message can use, plus `customer.attributes.<key>` for these keys.
    public static func standard(attributeKeys: Set<String>, attributesOpen: Bool) -> TemplateVariables {
        var names: Set<String> = [
            "customer.id", "customer.email", "customer.phone", "customer.preferred_channel",
            "segment.name", "segment.response_target", "segment.resolution_target",
            "case.id", "case.rule", "case.state", "case.channel", "case.owner", "case.opened_at", "case.score", "case.resolution", "case.root_cause",
            "case.first_response_due", "case.resolution_due", "case.first_response_target", "case.resolution_target",
            "survey.id", "channel.id",
        ]
        for key in attributeKeys { names.insert("customer.attributes.\(key)") }
        return TemplateVariables(names: names, openPrefixes: attributesOpen ? ["customer.attributes."] : [])
    }

    func contains(_ name: String) -> Bool { names.contains(name) || openPrefixes.contains { name.hasPrefix($0) && name.count > $0.count } }

    /// The names of the same group, to say what is there.
    func hint(for name: String) -> String {
        let group = name.split(separator: ".").first.map(String.init) ?? name
        let siblings = names.filter { $0.hasPrefix(group + ".") }.sorted()
        if siblings.isEmpty {
            let groups = Set(names.compactMap { $0.split(separator: ".").first.map(String.init) }).sorted()
            return "variables are grouped under \(groups.joined(separator: ", ")), written in full such as {{customer.id}}"
        }
        return "known: \(siblings.joined(separator: ", "))"
    }
}
