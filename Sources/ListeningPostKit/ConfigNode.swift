/// A place in a config file: 1-based line and column.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// Line number starting at 1.
    public var line: Int
    /// Column number starting at 1.
    public var column: Int
    /// Creates a position.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A parsed config document that remembers where every value came from, so every error
/// can say `file:line:column`. The core builds it from YAML; adapters see only the
/// validated ``ConfigValues``.
public struct ConfigNode: Sendable {
    /// What the node holds. YAML has exactly these kinds of node, so this is a closed
    /// enum by design (as ``JSONValue`` is).
    public enum Content: Sendable {
        /// A scalar as written (after `${VAR}` interpolation).
        case scalar(String)
        /// A mapping in document order, duplicates kept so they can be reported.
        case mapping([ConfigNode.Entry])
        /// A sequence.
        case sequence([ConfigNode])
        /// An explicit or implicit null (`~`, `null`, nothing).
        case null
    }

    /// One key and its value in a mapping.
    public struct Entry: Sendable {
        /// The key as written.
        public var key: String
        /// Where the key is.
        public var keyPosition: SourcePosition
        /// Its value.
        public var value: ConfigNode
        /// Creates an entry.
        public init(key: String, keyPosition: SourcePosition, value: ConfigNode) {
            self.key = key
            self.keyPosition = keyPosition
            self.value = value
        }
    }

    /// The content.
    public var content: Content
    /// Where the node starts.
    public var position: SourcePosition
    /// True for a scalar whose text came (at least partly) from an environment variable.
    public var isInterpolated: Bool

    /// Creates a node.
    public init(_ content: Content, at position: SourcePosition, isInterpolated: Bool = false) {
        self.content = content
        self.position = position
        self.isInterpolated = isInterpolated
    }

    /// The value for `key` if this is a mapping that has it (the first one, if repeated).
    public subscript(key: String) -> ConfigNode? {
        guard case .mapping(let entries) = content else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// The scalar text, if this is a scalar.
    public var scalar: String? {
        if case .scalar(let text) = content { return text }
        return nil
    }

    /// The node's content written out without positions: two nodes with the same text say
    /// the same thing, wherever they sit in the file. A config reload compares channels by
    /// it, so moving a channel or editing another one leaves it running.
    public var canonicalText: String {
        switch content {
        case .scalar(let text): "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
        case .mapping(let entries):
            "{" + entries.map { ConfigNode(.scalar($0.key), at: $0.keyPosition).canonicalText + ":" + $0.value.canonicalText }.joined(separator: ",")
                + "}"
        case .sequence(let items): "[" + items.map(\.canonicalText).joined(separator: ",") + "]"
        case .null: "null"
        }
    }

    /// A short name of the kind for error messages.
    public var kindDescription: String {
        switch content {
        case .scalar: "a scalar"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .null: "null"
        }
    }
}

/// A problem in a config file, at a position, with a message the operator can act on.
/// Adapters throw it from `init` (build one with ``ConfigValues/invalid(_:_:)``).
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Dotted path to the value (`channels[2].signature.secret`).
    public var path: String
    /// Where it is, when known.
    public var position: SourcePosition?
    /// What is wrong and how to fix it.
    public var message: String
    /// Whether this only warns (the config still runs).
    public var isWarning: Bool

    /// Creates an error.
    public init(path: String, position: SourcePosition?, message: String, isWarning: Bool = false) {
        self.path = path
        self.position = position
        self.message = message
        self.isWarning = isWarning
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Several config problems at once: every one is reported, not just the first.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [ConfigError]
    /// Creates the list.
    public init(_ errors: [ConfigError]) { self.errors = errors }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
