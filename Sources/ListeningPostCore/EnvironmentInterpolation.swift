import Foundation
import ListeningPostKit

/// `${VAR}` and `${VAR:-default}` in scalar values, resolved against an environment.
/// `$$` writes a literal `$`. A missing variable without a default is an error at the
/// scalar's position. Pure: the environment is passed in.
struct EnvironmentInterpolation {
    let environment: [String: String]

    /// Returns the tree with every scalar interpolated, and an error per missing variable.
    func apply(to node: ConfigNode, path: String = "") -> (ConfigNode, [ConfigError]) {
        switch node.content {
        case .scalar(let text):
            guard text.contains("$") else { return (node, []) }
            switch interpolate(text) {
            case .success(let resolved):
                return (ConfigNode(.scalar(resolved), at: node.position, isInterpolated: resolved != text), [])
            case .failure(let message):
                // Still an environment reference, so never reported as an inline secret.
                return (
                    ConfigNode(node.content, at: node.position, isInterpolated: true),
                    [ConfigError(path: path, position: node.position, message: message.text)]
                )
            }
        case .mapping(let entries):
            var errors: [ConfigError] = []
            let resolved = entries.map { entry -> ConfigNode.Entry in
                let (value, entryErrors) = apply(to: entry.value, path: path.isEmpty ? entry.key : "\(path).\(entry.key)")
                errors += entryErrors
                return ConfigNode.Entry(key: entry.key, keyPosition: entry.keyPosition, value: value)
            }
            return (ConfigNode(.mapping(resolved), at: node.position), errors)
        case .sequence(let elements):
            var errors: [ConfigError] = []
            let resolved = elements.enumerated().map { index, element -> ConfigNode in
                let (value, elementErrors) = apply(to: element, path: "\(path)[\(index)]")
                errors += elementErrors
                return value
            }
            return (ConfigNode(.sequence(resolved), at: node.position), errors)
        case .null:
            return (node, [])
        }
    }

    struct Failure: Error { let text: String }

    /// Interpolates one string.
    func interpolate(_ text: String) -> Result<String, Failure> {
        var output = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            output += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            if afterDollar < rest.endIndex, rest[afterDollar] == "$" {
                output += "$"
                rest = rest[rest.index(after: afterDollar)...]
                continue
            }
            guard afterDollar < rest.endIndex, rest[afterDollar] == "{" else {
                output += "$"
                rest = rest[afterDollar...]
                continue
            }
            guard let close = rest[afterDollar...].firstIndex(of: "}") else {
                return .failure(Failure(text: "unterminated ${ in '\(text)'; write $$ for a literal $"))
            }
            let expression = rest[rest.index(after: afterDollar)..<close]
            let name: Substring
            let fallback: Substring?
            if let separator = expression.range(of: ":-") {
                name = expression[..<separator.lowerBound]
                fallback = expression[separator.upperBound...]
            } else {
                name = expression
                fallback = nil
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                return .failure(Failure(text: "'${\(expression)}' is not a variable reference; names are letters, digits and _"))
            }
            if let value = environment[String(name)], !(value.isEmpty && fallback != nil) {
                output += value
            } else if let fallback {
                output += fallback
            } else {
                return .failure(Failure(text: "environment variable \(name) is not set (write ${\(name):-default} to give a default)"))
            }
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return .success(output)
    }
}
