/// A validated config section: every key known, every value of its declared type, defaults
/// filled in. Adapters read their settings from here in `init`.
///
/// ```swift
/// let path = try config.requiredString("path")
/// let limit = config.byteSize("max_body_size") ?? 1 << 20
/// guard path.hasPrefix("/") else { throw config.invalid("path", "must start with /") }
/// ```
public struct ConfigValues: Sendable {
    enum Value: Sendable {
        case string(String)
        case bool(Bool)
        case integer(Int)
        case duration(Duration)
        case byteSize(Int)
        case strings([String])
        case stringMap([String: String])
        case secretMap([String: Secret])
        case secret(Secret)
        case object(ConfigValues)
        case objects([ConfigValues])
        case node(ConfigNode)
    }

    struct Item: Sendable {
        var value: Value
        var position: SourcePosition?
        /// False when the value is the spec's default.
        var given = true
    }

    /// Dotted path of this section (`channels[0]`).
    public let path: String
    /// Where the section starts.
    public let position: SourcePosition?
    var items: [String: Item]

    init(path: String, position: SourcePosition?, items: [String: Item]) {
        self.path = path
        self.position = position
        self.items = items
    }

    /// Builds values directly, for tests and programmatic setup. Values are `String`, `Bool`,
    /// `Int`, `Duration`, `[String]`, `[String: String]`, `Secret` or `ConfigValues`.
    public init(path: String = "", _ values: [String: any Sendable]) {
        self.path = path
        self.position = nil
        self.items = values.compactMapValues { value -> Item? in
            switch value {
            case let value as String: Item(value: .string(value))
            case let value as Bool: Item(value: .bool(value))
            case let value as Int: Item(value: .integer(value))
            case let value as Duration: Item(value: .duration(value))
            case let value as [String]: Item(value: .strings(value))
            case let value as [String: String]: Item(value: .stringMap(value))
            case let value as Secret: Item(value: .secret(value))
            case let value as ConfigValues: Item(value: .object(value))
            case let value as [ConfigValues]: Item(value: .objects(value))
            default: nil
            }
        }
    }

    /// Whether the key has a value (given or defaulted).
    public func contains(_ key: String) -> Bool { items[key] != nil }

    /// Whether the operator wrote the key (as opposed to it taking its default).
    public func isGiven(_ key: String) -> Bool { items[key]?.given ?? false }

    /// A string value.
    public func string(_ key: String) -> String? {
        if case .string(let value)? = items[key]?.value { return value }
        return nil
    }

    /// A string value that must be there.
    public func requiredString(_ key: String) throws(ConfigError) -> String {
        guard let value = string(key) else { throw invalid(key, "is required") }
        return value
    }

    /// A boolean; `false` when absent.
    public func bool(_ key: String) -> Bool {
        if case .bool(let value)? = items[key]?.value { return value }
        return false
    }

    /// An integer.
    public func integer(_ key: String) -> Int? {
        if case .integer(let value)? = items[key]?.value { return value }
        return nil
    }

    /// A duration.
    public func duration(_ key: String) -> Duration? {
        if case .duration(let value)? = items[key]?.value { return value }
        return nil
    }

    /// A size in bytes.
    public func byteSize(_ key: String) -> Int? {
        if case .byteSize(let value)? = items[key]?.value { return value }
        return nil
    }

    /// A list of strings; empty when absent.
    public func strings(_ key: String) -> [String] {
        if case .strings(let value)? = items[key]?.value { return value }
        return []
    }

    /// A map of strings; empty when absent.
    public func stringMap(_ key: String) -> [String: String] {
        switch items[key]?.value {
        case .stringMap(let value)?: value
        case .secretMap(let value)?: value.mapValues(\.value)
        default: [:]
        }
    }

    /// A secret.
    public func secret(_ key: String) -> Secret? {
        switch items[key]?.value {
        case .secret(let value)?: value
        case .string(let value)?: Secret(value)
        default: nil
        }
    }

    /// A nested section.
    public func object(_ key: String) -> ConfigValues? {
        if case .object(let value)? = items[key]?.value { return value }
        return nil
    }

    /// A list of nested sections; empty when absent.
    public func objects(_ key: String) -> [ConfigValues] {
        if case .objects(let value)? = items[key]?.value { return value }
        return []
    }

    /// A value of a ``ConfigFieldType/custom(_:)`` field, as written.
    public func node(_ key: String) -> ConfigNode? {
        if case .node(let value)? = items[key]?.value { return value }
        return nil
    }

    /// Where the key's value is, or where this section is when the key is absent.
    public func position(of key: String) -> SourcePosition? {
        items[key]?.position ?? position
    }

    /// An error about `key`, pointing at its value (or at this section if it is absent).
    public func invalid(_ key: String, _ message: String) -> ConfigError {
        ConfigError(path: path.isEmpty ? key : "\(path).\(key)", position: position(of: key), message: message)
    }

    /// A warning about `key`: reported by `check` and at startup, never refusing the file.
    public func warning(_ key: String, _ message: String) -> ConfigError {
        ConfigError(path: path.isEmpty ? key : "\(path).\(key)", position: position(of: key), message: message, isWarning: true)
    }

    /// Every secret field in this section and those below it, with the section that holds
    /// it (for its position) and its key, for checks that must point at the value.
    public var secretFields: [(section: ConfigValues, key: String, secret: Secret)] {
        items.sorted { $0.key < $1.key }.flatMap { key, item -> [(section: ConfigValues, key: String, secret: Secret)] in
            switch item.value {
            case .secret(let secret): [(self, key, secret)]
            case .object(let values): values.secretFields
            case .objects(let list): list.flatMap(\.secretFields)
            default: []
            }
        }
    }

    /// Every secret in this section and the sections below it, for redaction.
    public var allSecrets: [Secret] {
        items.values.flatMap { item -> [Secret] in
            switch item.value {
            case .secret(let secret): [secret]
            case .secretMap(let map): Array(map.values)
            case .object(let values): values.allSecrets
            case .objects(let list): list.flatMap(\.allSecrets)
            default: []
            }
        }
    }
}
