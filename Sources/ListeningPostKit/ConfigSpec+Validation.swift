/// Strict decoding of a ``ConfigNode`` against a ``ConfigSpec``: unknown keys, repeated
/// keys, wrong types and missing required keys are all errors, each with its position.
/// Every problem is collected; decoding does not stop at the first.
extension ConfigSpec {
    /// Validates a mapping node. Returns the values (possibly partial) and every problem.
    /// - Parameters:
    ///   - ignoring: keys handled by the caller (such as a channel's `id` and `type`).
    public func validate(_ node: ConfigNode, path: String, ignoring: Set<String> = []) -> (ConfigValues, [ConfigError]) {
        var errors: [ConfigError] = []
        var items: [String: ConfigValues.Item] = [:]
        guard case .mapping(let entries) = node.content else {
            errors.append(ConfigError(path: path, position: node.position, message: "expected a mapping, found \(node.kindDescription)"))
            return (ConfigValues(path: path, position: node.position, items: [:]), errors)
        }
        var seen: [String: SourcePosition] = [:]
        for entry in entries {
            let fieldPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
            if let first = seen[entry.key] {
                errors.append(
                    ConfigError(path: fieldPath, position: entry.keyPosition, message: "duplicate key '\(entry.key)' (first at line \(first.line))")
                )
                continue
            }
            seen[entry.key] = entry.keyPosition
            if ignoring.contains(entry.key) { continue }
            guard let field = field(entry.key) else {
                errors.append(ConfigError(path: fieldPath, position: entry.keyPosition, message: unknownKeyMessage(entry.key)))
                continue
            }
            if case .null = entry.value.content {
                if field.required {
                    errors.append(ConfigError(path: fieldPath, position: entry.value.position, message: "is required but empty"))
                }
                continue
            }
            var warnings: [ConfigError] = []
            switch Self.decode(entry.value, as: field, path: fieldPath, warnings: &warnings) {
            case .success(let value): items[entry.key] = .init(value: value, position: entry.value.position)
            case .failure(let failure): errors.append(contentsOf: failure.errors)
            }
            errors += warnings
            if field.secret, !entry.value.isInterpolated, entry.value.scalar?.isEmpty == false {
                errors.append(
                    ConfigError(
                        path: fieldPath,
                        position: entry.value.position,
                        message: "secret written inline; prefer an environment reference such as ${\(Self.environmentName(for: fieldPath))}",
                        isWarning: true
                    )
                )
            }
        }
        for field in fields where items[field.name] == nil && seen[field.name] == nil {
            let fieldPath = path.isEmpty ? field.name : "\(path).\(field.name)"
            if field.required {
                errors.append(ConfigError(path: fieldPath, position: node.position, message: "missing required key '\(field.name)'"))
            } else if let defaultValue = field.defaultValue {
                let defaultNode = ConfigNode(.scalar(defaultValue), at: node.position)
                var ignored: [ConfigError] = []
                if case .success(let value) = Self.decode(defaultNode, as: field, path: fieldPath, warnings: &ignored) {
                    items[field.name] = .init(value: value, position: nil, given: false)
                }
            }
        }
        return (ConfigValues(path: path, position: node.position, items: items), errors)
    }

    private func unknownKeyMessage(_ key: String) -> String {
        let names = fields.map(\.name)
        var message = "unknown key '\(key)'"
        if let suggestion = closestName(to: key, among: names) {
            message += "; did you mean '\(suggestion)'?"
        } else if !names.isEmpty {
            message += " (allowed: \(names.joined(separator: ", ")))"
        }
        return message
    }

    /// A suggested variable name for a secret: `channels[support].signature.secret` →
    /// `SUPPORT_SIGNATURE_SECRET`.
    static func environmentName(for path: String) -> String {
        let trimmed = path.hasPrefix("channels[") ? String(path.dropFirst("channels[".count)) : path
        var name = ""
        for character in trimmed.uppercased() {
            let mapped: Character = character.isLetter || character.isNumber ? character : "_"
            if mapped == "_", name.last == "_" || name.isEmpty { continue }
            name.append(mapped)
        }
        return name
    }

    /// Decodes one value. Warnings from nested sections (an inline secret two levels down)
    /// go to `warnings` whether or not the value is valid.
    private static func decode(
        _ node: ConfigNode,
        as field: ConfigField,
        path: String,
        warnings: inout [ConfigError]
    ) -> Result<ConfigValues.Value, ConfigErrors> {
        func fail(_ message: String) -> Result<ConfigValues.Value, ConfigErrors> {
            .failure(ConfigErrors([ConfigError(path: path, position: node.position, message: message)]))
        }
        let type = field.type
        switch type.kind {
        case .object(let spec):
            let (values, errors) = spec.validate(node, path: path)
            warnings += errors.filter(\.isWarning)
            return errors.contains { !$0.isWarning } ? .failure(ConfigErrors(errors.filter { !$0.isWarning })) : .success(.object(values))
        case .list(let spec):
            guard case .sequence(let elements) = node.content else { return fail("expected a list, found \(node.kindDescription)") }
            var list: [ConfigValues] = []
            var errors: [ConfigError] = []
            for (index, element) in elements.enumerated() {
                let (values, elementErrors) = spec.validate(element, path: "\(path)[\(index)]")
                list.append(values)
                errors += elementErrors
            }
            warnings += errors.filter(\.isWarning)
            return errors.contains { !$0.isWarning } ? .failure(ConfigErrors(errors.filter { !$0.isWarning })) : .success(.objects(list))
        case .custom:
            return .success(.node(node))
        case .stringOrList where node.scalar != nil:
            return .success(.strings([node.scalar!]))
        case .stringList, .stringOrList:
            guard case .sequence(let elements) = node.content else { return fail("expected a list of strings, found \(node.kindDescription)") }
            var strings: [String] = []
            for element in elements {
                guard let text = element.scalar else {
                    return .failure(
                        ConfigErrors([
                            ConfigError(path: path, position: element.position, message: "expected a string, found \(element.kindDescription)")
                        ])
                    )
                }
                strings.append(text)
            }
            return .success(.strings(strings))
        case .stringMap:
            guard case .mapping(let entries) = node.content else { return fail("expected a mapping of strings, found \(node.kindDescription)") }
            var map: [String: String] = [:]
            for entry in entries {
                guard let text = entry.value.scalar else {
                    return .failure(
                        ConfigErrors([
                            ConfigError(
                                path: "\(path).\(entry.key)",
                                position: entry.value.position,
                                message: "expected a string, found \(entry.value.kindDescription)"
                            )
                        ])
                    )
                }
                map[entry.key] = text
                if field.secret, !entry.value.isInterpolated, !text.isEmpty {
                    warnings.append(
                        ConfigError(
                            path: "\(path).\(entry.key)",
                            position: entry.value.position,
                            message:
                                "secret written inline; prefer an environment reference such as ${\(Self.environmentName(for: "\(path).\(entry.key)"))}",
                            isWarning: true
                        )
                    )
                }
            }
            // A secret map's values are redacted like any secret (an exec plugin's API keys).
            return .success(field.secret ? .secretMap(map.mapValues(Secret.init)) : .stringMap(map))
        default:
            break
        }
        guard let text = node.scalar else { return fail("expected \(type.name), found \(node.kindDescription)") }
        switch type.kind {
        case .string:
            return .success(field.secret ? .secret(Secret(text)) : .string(text))
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "on": return .success(.bool(true))
            case "false", "no", "off": return .success(.bool(false))
            default: return fail("expected true or false, found '\(text)'")
            }
        case .integer:
            guard let value = Int(text) else { return fail("expected a whole number, found '\(text)'") }
            return .success(.integer(value))
        case .duration:
            guard let value = ConfigScalars.duration(text) else {
                return fail("expected a duration with a unit such as 500ms, 30s, 5m, 3h or 1d, found '\(text)'")
            }
            return .success(.duration(value))
        case .byteSize:
            guard let value = ConfigScalars.byteSize(text) else {
                return fail("expected a size such as 65536, 64KiB or 1MiB, found '\(text)'")
            }
            return .success(.byteSize(value))
        case .oneOf(let allowed):
            guard allowed.contains(text) else { return fail("expected one of \(allowed.joined(separator: ", ")), found '\(text)'") }
            return .success(.string(text))
        case .object, .list, .stringList, .stringMap, .stringOrList, .custom:
            fatalError("handled above")
        }
    }
}

/// The name closest to `key`, when it is close enough to be what was meant: at most
/// `maxDistance` edits away (by default 2, or a third of the key's length for longer keys).
/// Ties go to the earliest name, so suggestions do not change from run to run.
public func closestName(to key: String, among names: some Sequence<String>, maxDistance: Int? = nil) -> String? {
    var best: (name: String, distance: Int)?
    for name in names {
        let distance = editDistance(name, key)
        if distance < best?.distance ?? .max { best = (name, distance) }
    }
    guard let best, best.distance <= maxDistance ?? max(2, key.count / 3) else { return nil }
    return best.name
}

/// Levenshtein distance between two names, for "did you mean" suggestions in config errors.
public func editDistance(_ lhs: String, _ rhs: String) -> Int {
    let a = Array(lhs)
    let b = Array(rhs)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
