import ListeningPostKit

/// An exec channel's validated config: the program, how it is started, and the limits on
/// what it may write.
struct ExecSettings: Sendable {
    var command: String
    var arguments: [String]
    var workingDirectory: String?
    /// Set for the program on top of the inherited variables.
    var environment: [String: String]
    /// Gateway variables passed through by name.
    var inheritedNames: [String]
    var maxLineSize: Int
    var batchSize: Int
    var shutdownGrace: Duration
    /// Whether the outbox may send through it (`send` lines, protocol v2), and how long an
    /// answer may take.
    var sends: Bool
    var sendTimeout: Duration
    /// The `secret_env` values: the plugin may echo them, and the adapter never logs them.
    var secretValues: [String]

    /// Passed through when `inherit_env` is not given: enough to find programs and read
    /// text, and nothing of the gateway's own secrets.
    static let defaultInherited = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR"]
    /// Names the gateway sets itself (protocol version, channel, checkpoint).
    static let reservedPrefix = "LISTENING_POST_"

    static let spec = ConfigSpec([
        .init(
            "command",
            .string,
            required: true,
            example: "python3",
            doc:
                "The program: a name looked up in `PATH` (`env`'s, else the gateway's), or a path with a `/`, relative "
                + "to `working_dir`. `check` and `serve` refuse one that is missing or not executable."
        ),
        .init("args", .stringList, example: "[Plugins/examples/csv-survey/csv_survey.py, --file, exports/nps.csv]", doc: "Its arguments."),
        .init(
            "working_dir",
            .string,
            example: "/srv/listening-post",
            doc: "Directory to start it in; it must exist. Default: the gateway's working directory."
        ),
        .init("env", .stringMap, example: "{SURVEY_REGION: eu}", doc: "Variables set for it."),
        .init(
            "secret_env",
            .stringMap,
            secret: true,
            example: "{SURVEY_API_KEY: \"${SURVEY_API_KEY}\"}",
            doc: "Variables set for it whose values are secrets: redacted in every log and error."
        ),
        .init(
            "inherit_env",
            .stringList,
            example: "[PATH, HOME, http_proxy]",
            doc:
                "Gateway variables passed through by name. Default: `PATH`, `HOME`, `LANG`, `LC_ALL`, `TZ`, `TMPDIR`; nothing "
                + "else of the gateway's environment (its tokens) reaches the plugin."
        ),
        .init(
            "max_line_size",
            .byteSize,
            default: "1MiB",
            doc: "A longer stdout line is refused with an error on the plugin's stdin and skipped; the plugin keeps running."
        ),
        .init(
            "batch_size",
            .integer,
            default: "500",
            doc:
                "Most lines committed in one transaction. While a batch commits the gateway reads no more, so a plugin "
                + "that floods waits on its stdout pipe."
        ),
        .init(
            "send",
            .bool,
            default: "false",
            doc:
                "The plugin sends too (exec protocol v2): the outbox writes each message as a `send` line on its stdin "
                + "and waits for its `sent` or `send_failed` line."
        ),
        .init(
            "send_timeout",
            .duration,
            default: "30s",
            doc: "How long a send waits for the plugin's answer before it counts as a retryable failure."
        ),
        .init(
            "shutdown_grace",
            .duration,
            default: "10s",
            doc: "On shutdown the plugin gets SIGTERM and this long to finish writing (what it writes is still stored), then SIGKILL."
        ),
    ])

    init(_ config: ConfigValues) throws {
        var errors: [ConfigError] = []
        command = try config.requiredString("command")
        if command.trimmingASCIIWhitespace().isEmpty {
            errors.append(config.invalid("command", "is empty; name the program to run, such as python3"))
        }
        arguments = config.strings("args")
        workingDirectory = config.string("working_dir")
        if workingDirectory?.isEmpty == true {
            errors.append(config.invalid("working_dir", "is empty; leave it out to use the gateway's working directory"))
        }
        environment = config.stringMap("env")
        for (name, value) in config.stringMap("secret_env") {
            if environment[name] != nil {
                errors.append(config.invalid("secret_env", "sets \(name), which env sets too; set it in one of them"))
            }
            environment[name] = value
        }
        secretValues = config.stringMap("secret_env").values.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        inheritedNames = config.isGiven("inherit_env") ? config.strings("inherit_env") : Self.defaultInherited
        let named = [
            ("env", config.stringMap("env").keys.sorted()), ("secret_env", config.stringMap("secret_env").keys.sorted()),
            ("inherit_env", config.strings("inherit_env")),
        ]
        for (field, names) in named {
            for name in names where !Self.isVariableName(name) {
                errors.append(config.invalid(field, "'\(name)' is not a variable name (letters, digits and _, not starting with a digit)"))
            }
            for name in names where name.hasPrefix(Self.reservedPrefix) {
                errors.append(config.invalid(field, "'\(name)' is reserved: the gateway sets \(Self.reservedPrefix)* itself"))
            }
        }
        maxLineSize = config.byteSize("max_line_size") ?? 1 << 20
        if !(1024...(64 << 20)).contains(maxLineSize) {
            errors.append(config.invalid("max_line_size", "must be between 1KiB and 64MiB"))
        }
        batchSize = config.integer("batch_size") ?? 500
        if !(1...10_000).contains(batchSize) {
            errors.append(config.invalid("batch_size", "must be between 1 and 10000"))
        }
        sends = config.bool("send")
        sendTimeout = config.duration("send_timeout") ?? .seconds(30)
        if sendTimeout <= .zero { errors.append(config.invalid("send_timeout", "must be longer than zero")) }
        if !sends, config.isGiven("send_timeout") { errors.append(config.invalid("send_timeout", "only applies with send: true")) }
        shutdownGrace = config.duration("shutdown_grace") ?? .seconds(10)
        if shutdownGrace > .seconds(300) {
            errors.append(config.invalid("shutdown_grace", "is more than 5m; a shutdown should not wait that long"))
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    /// Text from the plugin with every `secret_env` value replaced, before it is logged.
    func redacted(_ text: String) -> String {
        secretValues.reduce(text) { $0.replacing($1, with: "<redacted>") }
    }

    private static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
