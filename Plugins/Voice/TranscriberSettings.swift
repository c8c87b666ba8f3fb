import ListeningPostKit

/// The gateway's own transcriber (`transcriber:` on a voice channel): a program over the
/// exec protocol that gets a recording and prints its text.
struct TranscriberSettings: Sendable {
    var command: [String]
    var timeout: Duration
    var attempts: Int
    var retryAfter: Duration
    var maxAudioSize: Int
    var fetchTimeout: Duration
    var language: String

    static let spec = ConfigSpec([
        .init(
            "command",
            .stringList,
            required: true,
            example: "[.venv-stt/bin/python, Plugins/examples/transcribe-pocketsphinx.py]",
            doc: "The program and its arguments; the audio file's path is added last. It prints one JSON object: "
                + "`{\"text\": …, \"engine\": …}` (docs/voice.md)."
        ),
        .init("timeout", .duration, default: "5m", doc: "Longest one run may take."),
        .init(
            "attempts",
            .integer,
            default: "4",
            doc: "Tries (fetching the audio and running the program) before the voicemail is flagged `transcription_failed`."
        ),
        .init("retry_after", .duration, default: "10s", doc: "The first wait between tries; it doubles, up to 10 minutes."),
        .init("max_audio_size", .byteSize, default: "50MiB", doc: "Largest recording fetched."),
        .init(
            "fetch_timeout",
            .duration,
            default: "1m",
            doc: "Longest wait for the recording; an unreachable media host is a failed try only when it runs out."
        ),
    ])

    init(_ config: ConfigValues, language: String, errors: inout [ConfigError]) {
        command = config.strings("command")
        if command.isEmpty || command[0].isEmpty {
            errors.append(config.invalid("command", "give the program to run, such as [python3, transcribe.py]"))
        }
        timeout = config.duration("timeout") ?? .seconds(300)
        attempts = config.integer("attempts") ?? 4
        if !(1...20).contains(attempts) { errors.append(config.invalid("attempts", "must be from 1 to 20")) }
        retryAfter = config.duration("retry_after") ?? .seconds(10)
        maxAudioSize = config.byteSize("max_audio_size") ?? 50 << 20
        fetchTimeout = config.duration("fetch_timeout") ?? .seconds(60)
        self.language = language
    }
}
