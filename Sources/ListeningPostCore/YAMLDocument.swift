import ListeningPostKit
import Yams

/// Turns YAML text into a positioned ``ConfigNode`` tree. Pure: no file or environment
/// access.
enum YAMLDocument {
    /// Parses one YAML document. Syntax errors come back as a ``ConfigError`` with the
    /// position libyaml reported.
    static func parse(_ text: String) throws(ConfigError) -> ConfigNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw configError(from: error)
        } catch {
            throw ConfigError(path: "", position: nil, message: "not valid YAML: \(error)")
        }
        guard let root else {
            return ConfigNode(.mapping([]), at: SourcePosition(line: 1, column: 1))
        }
        return convert(root)
    }

    private static func position(_ mark: Mark?) -> SourcePosition {
        SourcePosition(line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    private static func convert(_ node: Node) -> ConfigNode {
        switch node {
        case .scalar(let scalar):
            let isPlain = scalar.style == .plain
            if isPlain, ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return ConfigNode(.null, at: position(scalar.mark))
            }
            return ConfigNode(.scalar(scalar.string), at: position(scalar.mark))
        case .mapping(let mapping):
            let entries = mapping.map { pair in
                ConfigNode.Entry(
                    key: pair.key.string ?? "\(pair.key)",
                    keyPosition: position(pair.key.mark),
                    value: convert(pair.value)
                )
            }
            return ConfigNode(.mapping(entries), at: position(mapping.mark))
        case .sequence(let sequence):
            return ConfigNode(.sequence(sequence.map(convert)), at: position(sequence.mark))
        case .alias(let alias):
            return ConfigNode(.null, at: position(alias.mark))
        }
    }

    private static func configError(from error: YamlError) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
            return ConfigError(path: "", position: position(mark), message: "YAML syntax: \(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return ConfigError(path: "", position: position(context.mark), message: "duplicate key \(names) in one mapping (first defined here)")
        case .reader(let problem, _, _, _):
            return ConfigError(path: "", position: nil, message: "cannot read YAML: \(problem)")
        default:
            return ConfigError(path: "", position: nil, message: "not valid YAML: \(error)")
        }
    }
}
