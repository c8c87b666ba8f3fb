import Foundation
import ListeningPostKit

/// The values a template is rendered with, by full name.
public struct TemplateValues: Sendable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// Nested dictionaries, as swift-mustache looks up dotted names.
    var tree: [String: Any] {
        var root: [String: Any] = [:]
        // An empty value is left out, so `{{#name}}…{{/name}}` hides its part for it as for
        // a missing one (swift-mustache counts an empty string as present).
        for (name, value) in values where !value.isEmpty {
            insert(value, at: name.split(separator: ".").map(String.init)[...], into: &root)
        }
        return root
    }

    private func insert(_ value: String, at path: ArraySlice<String>, into node: inout [String: Any]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            node[head] = value
            return
        }
        var child = node[head] as? [String: Any] ?? [:]
        insert(value, at: path.dropFirst(), into: &child)
        node[head] = child
    }
}
