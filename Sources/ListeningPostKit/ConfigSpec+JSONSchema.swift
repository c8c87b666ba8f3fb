/// JSON Schema (draft 2020-12) from a config spec, so editors can validate and complete
/// `channels.yaml` (`listening-post plugins --json-schema`). Scalars that YAML or `${VAR}`
/// interpolation may write as text accept text too; the gateway's own check stays the
/// authority.
extension ConfigSpec {
    /// An object schema: the spec's fields as properties, required ones required, no
    /// other keys.
    /// - Parameter extra: properties handled outside the spec (a channel's `id`, `type`).
    public func jsonSchema(extra: [String: JSONValue] = [:], required extraRequired: [String] = []) -> JSONValue {
        var properties = extra
        for field in fields { properties[field.name] = field.jsonSchema }
        var schema: [String: JSONValue] = ["type": "object", "properties": .object(properties), "additionalProperties": false]
        let required = extraRequired + fields.filter(\.required).map(\.name)
        if !required.isEmpty { schema["required"] = .array(required.map(JSONValue.string)) }
        return .object(schema)
    }
}

extension ConfigField {
    /// The field's schema, with its doc, default and example.
    public var jsonSchema: JSONValue {
        guard case .object(var schema) = type.jsonSchema else { return type.jsonSchema }
        var description = doc
        if secret { description += " Secret: use ${ENV}." }
        schema["description"] = .string(description)
        if let defaultValue { schema["default"] = .string(defaultValue) }
        if let example { schema["examples"] = [.string(example)] }
        return .object(schema)
    }
}

extension ConfigFieldType {
    /// The type's schema.
    public var jsonSchema: JSONValue {
        let interpolated: JSONValue = ["type": "string", "pattern": #"\$\{"#]
        switch kind {
        case .string: return ["type": "string"]
        case .bool: return ["anyOf": [["type": "boolean"], ["enum": ["true", "false", "yes", "no", "on", "off"]], interpolated]]
        case .integer: return ["anyOf": [["type": "integer"], ["type": "string", "pattern": "^-?[0-9]+$"], interpolated]]
        case .duration: return ["type": "string", "pattern": #"^(([0-9]+(ms|s|m|h|d))+|.*\$\{.*)$"#]
        case .byteSize: return ["anyOf": [["type": "integer"], ["type": "string", "pattern": #"^([0-9]+ ?(B|KB|KiB|MB|MiB|GB|GiB)?|.*\$\{.*)$"#]]]
        case .stringList: return ["type": "array", "items": ["type": "string"]]
        case .stringMap: return ["type": "object", "additionalProperties": ["type": "string"]]
        case .stringOrList: return ["anyOf": [["type": "string"], ["type": "array", "items": ["type": "string"], "minItems": 1]]]
        case .oneOf(let values): return ["anyOf": [["enum": .array(values.map(JSONValue.string))], interpolated]]
        case .object(let spec): return spec.jsonSchema()
        case .list(let spec): return ["type": "array", "items": spec.jsonSchema()]
        case .custom(let name): return ["description": .string("A \(name); see the reference.")]
        }
    }
}
