/// What a config section accepts: the single source of truth that drives strict decoding,
/// secret redaction and the generated reference (`listening-post plugins --markdown`).
///
/// ```swift
/// static let configSpec = ConfigSpec([
///     .init("path", .string, required: true, example: "/hooks/survey", doc: "URL path to listen on."),
///     .init("secret", .string, secret: true, doc: "Signing secret."),
/// ])
/// ```
public struct ConfigSpec: Sendable {
    /// The accepted fields, in documentation order.
    public var fields: [ConfigField]
    /// Creates a spec.
    public init(_ fields: [ConfigField]) { self.fields = fields }

    /// The field named `name`.
    public func field(_ name: String) -> ConfigField? { fields.first { $0.name == name } }
}

/// One accepted key.
public struct ConfigField: Sendable {
    /// The YAML key (snake_case).
    public var name: String
    /// What it accepts.
    public var type: ConfigFieldType
    /// Whether it must be present.
    public var required: Bool
    /// Default as it would be written in YAML; applied when the key is absent.
    public var defaultValue: String?
    /// Whether the value is redacted in logs and errors.
    public var secret: Bool
    /// An example value for the docs.
    public var example: String?
    /// One or two sentences for the reference.
    public var doc: String

    /// Creates a field.
    public init(
        _ name: String,
        _ type: ConfigFieldType,
        required: Bool = false,
        default defaultValue: String? = nil,
        secret: Bool = false,
        example: String? = nil,
        doc: String
    ) {
        self.name = name
        self.type = type
        self.required = required
        self.defaultValue = defaultValue
        self.secret = secret
        self.example = example
        self.doc = doc
    }
}

/// The type of a config field. A struct with static members, so new types never break
/// adapter code.
public struct ConfigFieldType: Sendable {
    indirect enum Kind: Sendable {
        case string, bool, integer, duration, byteSize, stringList
        case oneOf([String])
        case object(ConfigSpec)
        case list(ConfigSpec)
        case stringMap
        case stringOrList
        case custom(String)
    }
    let kind: Kind

    /// Any text.
    public static let string = ConfigFieldType(kind: .string)
    /// `true` or `false`.
    public static let bool = ConfigFieldType(kind: .bool)
    /// A whole number.
    public static let integer = ConfigFieldType(kind: .integer)
    /// A duration with a unit: `250ms`, `30s`, `5m`, `3h`, `1d`, `1h30m`.
    public static let duration = ConfigFieldType(kind: .duration)
    /// A size: a byte count or `512KiB`, `1MiB`, `10MB`.
    public static let byteSize = ConfigFieldType(kind: .byteSize)
    /// A list of strings.
    public static let stringList = ConfigFieldType(kind: .stringList)
    /// A mapping of string keys to string values.
    public static let stringMap = ConfigFieldType(kind: .stringMap)
    /// A string or a list of strings (`channel: sms` or `channel: [sms, imap]`); read with
    /// ``ConfigValues/strings(_:)``.
    public static let stringOrList = ConfigFieldType(kind: .stringOrList)
    /// Any YAML value, kept as written for the reader to interpret (routing conditions);
    /// `name` is how the reference describes it. Read with ``ConfigValues/node(_:)``.
    public static func custom(_ name: String) -> ConfigFieldType { .init(kind: .custom(name)) }
    /// One of the given words.
    public static func oneOf(_ values: [String]) -> ConfigFieldType { .init(kind: .oneOf(values)) }
    /// A nested mapping with its own spec.
    public static func object(_ spec: ConfigSpec) -> ConfigFieldType { .init(kind: .object(spec)) }
    /// A list of mappings, each with the given spec.
    public static func list(_ spec: ConfigSpec) -> ConfigFieldType { .init(kind: .list(spec)) }

    /// The type's name for docs and errors.
    public var name: String {
        switch kind {
        case .string: "string"
        case .bool: "bool"
        case .integer: "integer"
        case .duration: "duration"
        case .byteSize: "size"
        case .stringList: "list of strings"
        case .stringMap: "map of strings"
        case .stringOrList: "string or list of strings"
        case .custom(let name): name
        case .oneOf(let values): "one of " + values.joined(separator: ", ")
        case .object: "object"
        case .list: "list of objects"
        }
    }

    /// The nested spec of an object or list type.
    public var nestedSpec: ConfigSpec? {
        switch kind {
        case .object(let spec), .list(let spec): spec
        default: nil
        }
    }

    /// The allowed words of a `oneOf` type.
    public var allowedValues: [String]? {
        if case .oneOf(let values) = kind { return values }
        return nil
    }
}
