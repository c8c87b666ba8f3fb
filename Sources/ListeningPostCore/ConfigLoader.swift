import Foundation
import ListeningPostKit
import ListeningPostStore
import Logging

/// Reads and validates `channels.yaml`: YAML syntax, `${VAR}` interpolation, the gateway
/// spec, each channel against its adapter's spec, and the rules that span channels.
/// Every problem is collected, so an operator fixes them all in one pass.
public struct ConfigLoader: Sendable {
    /// The adapters channels may name.
    public let registry: AdapterRegistry
    /// The environment `${VAR}` reads.
    public let environment: [String: String]

    /// Creates a loader.
    public init(registry: AdapterRegistry, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.registry = registry
        self.environment = environment
    }

    /// Loads a file. Throws ``ConfigFileError`` naming the file.
    public func load(file: String) throws(ConfigFileError) -> GatewayConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ConfigFileError(
                file: file,
                errors: [ConfigError(path: "", position: nil, message: "cannot read the file: \(error.localizedDescription)")]
            )
        }
        do {
            return try load(text: text)
        } catch {
            throw ConfigFileError(file: file, errors: error.errors)
        }
    }

    /// `store.path` read from a file without validating the rest (default `./data`): the
    /// `reload` command needs only where the running gateway keeps its data, and the rest
    /// may name `${VAR}`s that only the gateway's environment has. `nil` if the file cannot
    /// be read or parsed.
    public func storePath(file: String) -> String? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8), let document = try? YAMLDocument.parse(text) else { return nil }
        let (node, _) = EnvironmentInterpolation(environment: environment).apply(to: document)
        return node["store"]?["path"]?.scalar ?? "./data"
    }

    /// Loads YAML text.
    public func load(text: String) throws(ConfigErrors) -> GatewayConfig {
        let document: ConfigNode
        do {
            document = try YAMLDocument.parse(text)
        } catch {
            throw ConfigErrors([error])
        }
        var errors: [ConfigError] = []
        let (node, interpolationErrors) = EnvironmentInterpolation(environment: environment).apply(to: document)
        errors += interpolationErrors

        let (top, topErrors) = GatewayConfig.spec.validate(node, path: "", ignoring: ["channels"])
        errors += topErrors
        let server = top.object("server") ?? Self.defaults(GatewayConfig.serverSpec, path: "server")
        let store = top.object("store") ?? Self.defaults(GatewayConfig.storeSpec, path: "store")
        let logging = top.object("logging") ?? Self.defaults(GatewayConfig.loggingSpec, path: "logging")
        if let version = top.integer("version"), version != 1 {
            errors.append(top.invalid("version", "unsupported version \(version); this gateway reads version 1"))
        }
        if let port = server.integer("port"), !(0...65535).contains(port) {
            errors.append(server.invalid("port", "must be between 0 and 65535"))
        }
        if let timeout = server.duration("idle_timeout"), timeout < .seconds(1) {
            errors.append(server.invalid("idle_timeout", "must be at least 1s"))
        }
        if let maximum = server.integer("max_connections"), maximum < 1 {
            errors.append(server.invalid("max_connections", "must be at least 1"))
        }
        let nps = top.object("nps") ?? Self.defaults(GatewayConfig.npsSpec, path: "nps")
        if let minimum = nps.integer("min_responses"), minimum < 1 {
            errors.append(nps.invalid("min_responses", "must be at least 1"))
        }
        for key in ["window", "reply_window"] {
            if let window = nps.duration(key), window <= .zero { errors.append(nps.invalid(key, "must be longer than zero")) }
        }
        if let language = nps.string("reason_language"), ThemeLanguage(code: language) == nil {
            errors.append(
                nps.invalid(
                    "reason_language",
                    "no stemmer for language '\(language)' (use en, de, fr, es, or a libstemmer name: \(Stemmer.algorithms.joined(separator: ", ")))"
                )
            )
        }
        let benchmarks = Self.benchmarks(top, errors: &errors)

        var channels: [ChannelDeclaration] = []
        if let channelsNode = node["channels"] {
            let (declared, channelErrors) = validateChannels(channelsNode)
            channels = declared
            errors += channelErrors
        }

        let routing = RoutingConfigReader(top: top, channels: channels, kinds: Set(registry.kinds)).read()
        errors += routing.errors
        let operators = Self.operators(top, subscriberTokens: Set(routing.subscribers.map(\.token.value)), errors: &errors)

        let outbox = Self.outbox(top, channels: channels, errors: &errors)
        let retention = Self.retention(store, npsWindow: nps.duration("window") ?? .seconds(30 * 86_400), errors: &errors)
        let postgres = Self.postgres(store, errors: &errors)
        errors += ExposureCheck(host: server.string("host") ?? "127.0.0.1", allowWeak: server.bool("allow_weak_secrets")).findings(
            top: top,
            channels: channels
        )
        var cases = routing.cases
        let templates = Self.templates(top, cases: &cases, directory: routing.customers.directory, errors: &errors)
        let fatal = errors.filter { !$0.isWarning }
        guard fatal.isEmpty else { throw ConfigErrors(Self.sorted(errors)) }
        var config = GatewayConfig(
            server: ServerSettings(
                host: server.string("host") ?? "127.0.0.1",
                port: server.integer("port") ?? 8080,
                sseHeartbeat: server.duration("sse_heartbeat") ?? .seconds(15),
                idleTimeout: server.duration("idle_timeout") ?? .seconds(60),
                maxConnections: server.integer("max_connections") ?? 10_000
            ),
            store: StoreSettings(dataDirectory: store.string("path") ?? "./data", retention: retention, postgres: postgres),
            logging: LoggingSettings(
                level: Logger.Level(rawValue: logging.string("level") ?? "info") ?? .info,
                format: logging.string("format") ?? "text"
            ),
            channels: channels,
            warnings: Self.sorted(errors.filter(\.isWarning)),
            // A password written into the URL is as secret as one under `password`.
            secrets: channels.flatMap(\.values.allSecrets) + top.allSecrets + (postgres?.password.map { [Secret($0)] } ?? [])
        )
        config.customers = routing.customers
        config.routing = routing.routing
        config.declaredStreams = routing.declaredStreams
        config.subscribers = routing.subscribers
        config.cases = cases
        config.outbox = outbox
        config.templates = templates
        config.nps = NPSSettings(
            minResponses: nps.integer("min_responses") ?? 30,
            window: nps.duration("window") ?? .seconds(30 * 86_400),
            replyWindow: nps.duration("reply_window") ?? .seconds(7 * 86_400),
            enabled: !nps.isGiven("enabled") || nps.bool("enabled"),
            reasonLanguage: nps.string("reason_language") ?? "en"
        )
        config.benchmarks = benchmarks
        config.operators = operators
        return config
    }

    /// `templates:` and `cases.confirmation_question`, parsed, every variable checked against
    /// what a message has (and the directory's attribute columns).
    static func templates(
        _ top: ConfigValues,
        cases: inout CaseSettings,
        directory: CustomerDirectory,
        errors: inout [ConfigError]
    ) -> [String: NamedTemplate] {
        let known = TemplateVariables.standard(attributeKeys: Set(directory.customers.flatMap(\.attributes.keys)), attributesOpen: false)
        func compile(_ values: ConfigValues, _ key: String) -> MessageTemplate? {
            guard let text = values.string(key) else { return nil }
            do {
                return try MessageTemplate(text, known: known)
            } catch {
                errors.append(values.invalid(key, "not a template this gateway can render: \(error.description)"))
                return nil
            }
        }
        if let section = top.object("cases") { cases.confirmationTemplate = compile(section, "confirmation_question") }
        if cases.confirmationTemplate == nil, let fallback = try? MessageTemplate(cases.confirmationQuestion, known: known) {
            cases.confirmationTemplate = fallback
        }
        var templates: [String: NamedTemplate] = [:]
        for entry in top.objects("templates") {
            guard let name = entry.string("name") else { continue }
            if !isValidName(name) {
                errors.append(entry.invalid("name", "'\(name)' is not a valid template name: use lowercase letters, digits, '-' and '_'"))
                continue
            }
            if templates[name] != nil {
                errors.append(entry.invalid("name", "template '\(name)' is already declared"))
                continue
            }
            let subject = compile(entry, "subject")
            guard let text = compile(entry, "text"), entry.string("subject") == nil || subject != nil else { continue }
            templates[name] = NamedTemplate(name: name, text: text, subject: subject)
        }
        return templates
    }

    /// `store.postgres`, when `store.kind` is `postgres`.
    static func postgres(_ store: ConfigValues, errors: inout [ConfigError]) -> PostgresSettings? {
        let section = store.object("postgres")
        guard store.string("kind") == "postgres" else {
            if section != nil { errors.append(store.invalid("postgres", "is read only with `kind: postgres`; add it, or remove this section")) }
            return nil
        }
        guard let section else {
            errors.append(store.invalid("kind", "`kind: postgres` needs a `postgres:` section with its `url`"))
            return nil
        }
        if store.object("retention") != nil {
            errors.append(
                store.invalid(
                    "retention",
                    "is not available with `kind: postgres` yet; remove it (PostgreSQL keeps every message) or use `kind: sqlite`"
                )
            )
        }
        guard let url = section.string("url") else { return nil }
        var settings: PostgresSettings
        switch PostgresSettings.parse(url: url) {
        case .success(let parsed): settings = parsed
        case .failure(let problem):
            errors.append(section.invalid("url", problem.description))
            return nil
        }
        if let password = section.secret("password") { settings.password = password.value }
        if let size = section.integer("pool_size") {
            if size < 4 {
                errors.append(
                    section.invalid(
                        "pool_size",
                        "must be at least 4: one connection commits, one listens for the other gateways, one keeps the leases, the rest read"
                    )
                )
            }
            settings.poolSize = size
        }
        if let ttl = section.duration("lease_ttl") {
            if ttl < .seconds(3) {
                errors.append(
                    section.invalid(
                        "lease_ttl",
                        "must be at least 3s: a lease is renewed every third of it, and a renewal needs a round trip to spare"
                    )
                )
            }
            settings.leaseTTL = ttl
        }
        return settings
    }

    /// `store.retention`, checked against what must survive it.
    static func retention(_ store: ConfigValues, npsWindow: Duration, errors: inout [ConfigError]) -> RetentionPolicy? {
        guard let section = store.object("retention") else { return nil }
        let policy = RetentionPolicy(
            maxAge: section.duration("max_age"),
            maxSize: section.byteSize("max_size"),
            interval: section.duration("interval") ?? .seconds(60),
            keptStreams: Set(LoopStreams.all)
        )
        guard policy.maxAge != nil || policy.maxSize != nil else {
            errors.append(store.invalid("retention", "give max_age, max_size or both; without either, remove `retention` (nothing is deleted)"))
            return nil
        }
        if let age = policy.maxAge, age < npsWindow {
            errors.append(
                section.invalid(
                    "max_age",
                    "\(ConfigScalars.format(age)) is shorter than nps.window (\(ConfigScalars.format(npsWindow))): GET "
                        + "/v1/nps and the NPS gauges would lose answers inside their window; raise max_age or shorten nps.window"
                )
            )
        }
        if let size = policy.maxSize, size < RetentionPolicy.minimumSize {
            errors.append(
                section.invalid(
                    "max_size",
                    "must be at least 1MiB: the log's own tables and the kept streams (cases, outbox, surveys, suppressions) need room"
                )
            )
        }
        if policy.interval < .seconds(1) { errors.append(section.invalid("interval", "must be at least 1s")) }
        return policy
    }

    static func outbox(_ top: ConfigValues, channels: [ChannelDeclaration], errors: inout [ConfigError]) -> OutboxSettings {
        var settings = OutboxSettings()
        guard let outbox = top.object("outbox") else { return settings }
        let ids = Set(channels.map(\.id))
        for (channel, text) in outbox.stringMap("rate_limits").sorted(by: { $0.key < $1.key }) {
            if !ids.contains(channel) {
                errors.append(outbox.invalid("rate_limits", "'\(channel)' is not a channel id (channels: \(ids.sorted().joined(separator: ", ")))"))
            } else if let limit = SendRateLimit(text) {
                settings.rateLimits[channel] = limit
            } else {
                errors.append(outbox.invalid("rate_limits", "\(channel): '\(text)' is not a rate such as 1/s, 30/m or 500/h"))
            }
        }
        if outbox.isGiven("retry_schedule") {
            settings.retrySchedule = []
            for text in outbox.strings("retry_schedule") {
                guard let duration = ConfigScalars.duration(text) else {
                    errors.append(outbox.invalid("retry_schedule", "'\(text)' is not a duration such as 5s, 5m or 2h"))
                    continue
                }
                settings.retrySchedule.append(duration)
            }
        }
        return settings
    }

    /// `operators:` entries, each with a valid name, a long token and known scopes.
    static func operators(_ top: ConfigValues, subscriberTokens: Set<String>, errors: inout [ConfigError]) -> [OperatorDeclaration] {
        var names: Set<String> = []
        var declarations: [OperatorDeclaration] = []
        for entry in top.objects("operators") {
            guard let name = entry.string("name"), let token = entry.secret("token") else { continue }
            if !isValidName(name) {
                errors.append(entry.invalid("name", "'\(name)' is not a valid operator name: use lowercase letters, digits, '-' and '_'"))
            } else if !names.insert(name).inserted {
                errors.append(entry.invalid("name", "operator '\(name)' is already declared"))
            }
            if token.value.count < 16 { errors.append(entry.invalid("token", "is shorter than 16 characters; use a long random token")) }
            if subscriberTokens.contains(token.value) {
                errors.append(
                    entry.invalid("token", "is also a subscriber's token; give operators tokens of their own, so reading streams never grants more")
                )
            }
            var scopes: Set<OperatorDeclaration.Scope> = []
            for scope in entry.strings("scopes") {
                if let known = OperatorDeclaration.Scope.all.first(where: { $0.rawValue == scope }) {
                    scopes.insert(known)
                } else {
                    errors.append(
                        entry.invalid(
                            "scopes",
                            "unknown scope '\(scope)' (scopes: \(OperatorDeclaration.Scope.all.map(\.rawValue).joined(separator: ", ")))"
                        )
                    )
                }
            }
            if scopes.isEmpty, entry.strings("scopes").isEmpty {
                errors.append(entry.invalid("scopes", "name at least one scope, such as [prompts]"))
            }
            declarations.append(OperatorDeclaration(name: name, token: token, scopes: scopes))
        }
        return declarations
    }

    private func validateChannels(_ node: ConfigNode) -> ([ChannelDeclaration], [ConfigError]) {
        if case .null = node.content { return ([], []) }
        guard case .sequence(let elements) = node.content else {
            return ([], [ConfigError(path: "channels", position: node.position, message: "expected a list of channels")])
        }
        var errors: [ConfigError] = []
        var channels: [ChannelDeclaration] = []
        var idPositions: [String: SourcePosition] = [:]
        for (index, element) in elements.enumerated() {
            let path = "channels[\(index)]"
            guard case .mapping = element.content else {
                errors.append(ConfigError(path: path, position: element.position, message: "expected a channel mapping with id and type"))
                continue
            }
            guard let id = element["id"]?.scalar, let kind = element["type"]?.scalar else {
                let missing = element["id"]?.scalar == nil ? "id" : "type"
                let position = element[missing]?.position ?? element.position
                errors.append(ConfigError(path: path, position: position, message: "every channel needs '\(missing)' (a string)"))
                continue
            }
            let idPosition = element["id"]?.position ?? element.position
            let channelPath = "channels[\(id)]"
            if !Self.isValidName(id) {
                errors.append(
                    ConfigError(
                        path: "\(path).id",
                        position: idPosition,
                        message: "'\(id)' is not a valid id: use lowercase letters, digits, '-' and '_', starting with a letter or digit"
                    )
                )
            } else if GatewayConfig.reservedStreamNames.contains(id) {
                errors.append(
                    ConfigError(path: "\(path).id", position: idPosition, message: "'\(id)' is reserved (it names the stream of every event)")
                )
            } else if let first = idPositions[id] {
                errors.append(
                    ConfigError(path: "\(path).id", position: idPosition, message: "duplicate channel id '\(id)' (first used at line \(first.line))")
                )
            } else {
                idPositions[id] = idPosition
            }
            guard let adapter = registry.adapter(kind: kind) else {
                errors.append(
                    ConfigError(
                        path: "\(path).type",
                        position: element["type"]?.position ?? element.position,
                        message: "unknown channel type '\(kind)' (known: \(registry.kinds.joined(separator: ", ")))"
                    )
                )
                continue
            }
            let (values, valueErrors) = adapter.configSpec.validate(element, path: channelPath, ignoring: ["id", "type"])
            errors += valueErrors
            channels.append(ChannelDeclaration(id: id, kind: kind, values: values, position: element.position, fingerprint: element.canonicalText))
        }
        return (channels, errors)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isASCIIHexDigit || ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }

    private static func defaults(_ spec: ConfigSpec, path: String) -> ConfigValues {
        spec.validate(ConfigNode(.mapping([]), at: SourcePosition(line: 1, column: 1)), path: path).0
    }

    static func sorted(_ errors: [ConfigError]) -> [ConfigError] {
        errors.enumerated().sorted { lhs, rhs in
            let a = lhs.element.position ?? SourcePosition(line: 0, column: 0)
            let b = rhs.element.position ?? SourcePosition(line: 0, column: 0)
            return (a.line, a.column, lhs.offset) < (b.line, b.column, rhs.offset)
        }.map(\.element)
    }
}

/// Problems in a config file, each printed as `file:line:column: message`.
public struct ConfigFileError: Error, Sendable, CustomStringConvertible {
    /// The file as given.
    public var file: String
    /// The problems, in file order.
    public var errors: [ConfigError]

    /// Creates the error.
    public init(file: String, errors: [ConfigError]) {
        self.file = file
        self.errors = errors
    }

    /// One line per problem.
    public var lines: [String] { errors.map { Self.line(file: file, $0) } }

    public var description: String { lines.joined(separator: "\n") }

    /// `file:line:column: [warning: ]path: message`.
    public static func line(file: String, _ error: ConfigError) -> String {
        let place = error.position.map { "\(file):\($0.line):\($0.column)" } ?? file
        return "\(place): \(error.isWarning ? "warning: " : "")\(error.description)"
    }
}
