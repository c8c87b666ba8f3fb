import ExecAdapter
import Foundation
import ListeningPostKit
import ListeningPostTesting
import Testing

/// The exec channel passes the shared adapter conformance suite, running a real plugin.
struct ExecConformanceTests {
    @Test func execAdapterConforms() async throws {
        try await AdapterConformance(ExecHarness()).run()
    }
}

/// A bash plugin that replays a JSON-lines file from the committed checkpoint (a line
/// count); the harness offers messages by appending lines to that file.
struct ExecHarness: ConformanceHarness {
    typealias Adapter = ExecAdapter
    static let apiKey = "sk-conformance-0123456789"
    let directory: String
    let source: String

    init() {
        directory = TemporaryDirectory.make("lp-exec-conformance")
        source = directory + "/source.jsonl"
        FileManager.default.createFile(atPath: source, contents: nil)
        let plugin = """
            #!/usr/bin/env bash
            # Replays the lines of $1 after the committed checkpoint, a line count.
            sent=${LISTENING_POST_CHECKPOINT:-0}
            echo "replaying from line $sent with key $REPLAY_API_KEY" >&2
            { cat >/dev/null; kill $$ 2>/dev/null; } <&0 >/dev/null 2>&1 &
            while true; do
              total=$(wc -l < "$1")
              if [ "$total" -gt "$sent" ]; then
                sed -n "$((sent + 1)),${total}p" "$1"
                sent=$total
              fi
              sleep 0.05
            done
            """
        FileManager.default.createFile(atPath: directory + "/replay.sh", contents: Data(plugin.utf8), attributes: [.posixPermissions: 0o755])
    }

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("command", directory + "/replay.sh"),
            ConfigLine("args", "[\(source)]"),
            ConfigLine("secret_env", "{REPLAY_API_KEY: \(Self.apiKey)}"),
            ConfigLine("shutdown_grace", "2s"),
        ]
    }

    var secrets: [String] { [Self.apiKey] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["command": "\"\""], names: "command"),
            InvalidConfig(["env": "{LISTENING_POST_CHANNEL: x}"], names: "env"),
            InvalidConfig(["batch_size": "0"], names: "batch_size"),
            InvalidConfig(["max_line_size": "1"], names: "max_line_size"),
        ]
    }

    func offer(_ count: Int, to adapter: ExecAdapter) async throws -> [String] {
        var lines = try String(contentsOfFile: source, encoding: .utf8).split(separator: "\n").count
        var keys: [String] = []
        var text = ""
        for _ in 0..<count {
            lines += 1
            let key = "row-\(UUID().uuidString)"
            text += #"{"v":1,"type":"message","dedupKey":"\#(key)","text":"row \#(lines)","checkpoint":"\#(lines)"}"# + "\n"
            keys.append(key)
        }
        try append(text)
        return keys
    }

    func offerInvalid(to adapter: ExecAdapter) async throws {
        try append(#"{"v":1,"type":"message","text":"a message without a dedupKey"}"# + "\n")
    }

    private func append(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: source))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }
}
