import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import TestSupport
import Testing

/// The exec protocol proven by the example plugins under the real binary: each runs as a
/// `type: exec` channel while its input grows, is killed with SIGKILL mid-stream, then the
/// gateway is killed with SIGKILL mid-stream and restarted; at the end every input is
/// stored exactly once, the restarted plugin resumed from the committed checkpoint, and no
/// orphaned plugin is left behind.
@Suite(.serialized) struct ExecPluginTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func csvSurveyPluginSurvivesKillDashNineOfItselfAndOfTheGateway() async throws {
        let directory = try Self.workspace("exec-csv")
        let export = directory + "/nps.csv"
        try "response_id,submitted_at,email,phone,score,reason\n".write(toFile: export, atomically: true, encoding: .utf8)
        let config = try Self.config(
            directory,
            channel: """
                  - id: nps-export
                    type: exec
                    command: python3
                    args: [\(Self.root)/Plugins/examples/csv-survey/csv_survey.py, --file, \(export), --poll, "0.05"]
                """
        )
        let rows = 3000
        var gateway = try await GatewayProcess.start(config: config, logFile: directory + "/first.log")
        // Whichever gateway is running when the test ends, even by a failure, goes with it.
        defer { gateway.signal(SIGKILL) }
        // The export grows while the plugin and then the gateway are killed.
        let writer = Task {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: export))
            defer { try? handle.close() }
            handle.seekToEndOfFile()
            for chunk in stride(from: 0, to: rows, by: 30) {
                var text = ""
                for row in chunk..<min(chunk + 30, rows) {
                    text += "r\(row),2026-11-23T09:00:00Z,c\(row % 97)@example.com,,\(row % 11),\"reason \(row), with a comma\"\n"
                }
                handle.write(Data(text.utf8))
                try await Task.sleep(for: .milliseconds(15))
            }
        }
        try await Self.waitUntil(head: 500, port: gateway.port, stream: "all")
        await Self.kill9(pluginMatching: export)
        try await Self.waitUntil(head: 1500, port: gateway.port, stream: "all")
        gateway.signal(SIGKILL)
        _ = await gateway.waitForExit()
        gateway = try await GatewayProcess.start(config: config, logFile: directory + "/second.log")
        try await writer.value
        try await Self.waitUntil(head: Int64(rows), port: gateway.port, stream: "all")

        let keys = try await Self.storedKeys(port: gateway.port, stream: "all")
        #expect(keys.count == rows, "every row stored exactly once")
        #expect(Set(keys) == Set((0..<rows).map { "r\($0)" }))
        let second = try String(contentsOfFile: directory + "/second.log", encoding: .utf8)
        #expect(second.contains("checkpoint=\(try Self.inode(export)):"), "the restarted plugin was handed the committed checkpoint")
        #expect(await Self.processes(matching: export, expected: 1) == 1, "the plugin of the killed gateway saw its stdin close and exited")
        gateway.signal(SIGTERM)
        #expect(await gateway.waitForExit() == 0)
        #expect(await Self.processes(matching: export, expected: 0) == 0, "shutdown ends the plugin")
    }

    @Test func emlDropPluginSurvivesKillDashNineOfItselfAndOfTheGateway() async throws {
        let directory = try Self.workspace("exec-eml")
        let inbox = directory + "/inbox"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        let config = try Self.config(
            directory,
            channel: """
                  - id: dropbox
                    type: exec
                    command: \(Self.root)/Plugins/examples/eml-drop/eml_drop.sh
                    args: [\(inbox)]
                    env: {EML_DROP_BATCH: "10"}
                """
        )
        try Self.drop(0..<120, into: inbox)
        var gateway = try await GatewayProcess.start(config: config, logFile: directory + "/first.log")
        defer { gateway.signal(SIGKILL) }
        try await Self.waitUntil(head: 20, port: gateway.port, stream: "all")
        await Self.kill9(pluginMatching: inbox)
        try Self.drop(120..<240, into: inbox)
        try await Self.waitUntil(head: 150, port: gateway.port, stream: "all")
        gateway.signal(SIGKILL)
        _ = await gateway.waitForExit()
        gateway = try await GatewayProcess.start(config: config, logFile: directory + "/second.log")
        try await Self.waitUntil(head: 240, port: gateway.port, stream: "all")
        let deadline = ContinuousClock.now + .seconds(30)
        while try Self.emlFiles(in: inbox) > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }

        let keys = try await Self.storedKeys(port: gateway.port, stream: "all")
        #expect(keys.count == 240, "every file stored exactly once")
        #expect(Set(keys) == Set((0..<240).map { "<m\($0)@example.com>" }))
        #expect(try Self.emlFiles(in: inbox) == 0, "every file moved after its ack")
        #expect(try Self.emlFiles(in: inbox + "/done") == 240)
        #expect(await Self.processes(matching: inbox, expected: 1) == 1, "the plugin of the killed gateway saw its stdin close and exited")
    }

    @Test func badLinesGetAnErrorThePluginRunsOnAndItsSecretsStayOutOfTheLog() async throws {
        let directory = try Self.workspace("exec-bad")
        let script = directory + "/plugin.sh"
        // Writes six lines, then records every reply and keeps running.
        try """
        #!/usr/bin/env bash
        read -r hello
        echo "calling the survey API with key $SURVEY_API_KEY" >&2
        printf '%s\\n' "$hello" > \(directory)/replies
        printf '%s\\n' 'not json' '{"v":3,"type":"message","dedupKey":"a","text":"x","ref":"future"}' \\
          '{"v":1,"type":"message","dedupKey":"ok-1","text":"fine","checkpoint":"c1"}' \\
          "{\\"v\\":1,\\"type\\":\\"message\\",\\"dedupKey\\":\\"big\\",\\"text\\":\\"$(head -c 3000 /dev/zero | tr '\\0' x)\\"}" \\
          '{"v":1,"type":"message","dedupKey":"ok-1","text":"again"}' '{"v":1,"type":"checkpoint","checkpoint":"c2"}'
        while read -r reply; do printf '%s\\n' "$reply" >> \(directory)/replies; done
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let config = try Self.config(
            directory,
            channel: """
                  - id: picky
                    type: exec
                    command: \(script)
                    max_line_size: 2KiB
                    secret_env: {SURVEY_API_KEY: sk-live-0123456789abcdef}
                """
        )
        let gateway = try await GatewayProcess.start(config: config, logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(20)
        var replies: [String] = []
        while replies.count < 7, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            replies = ((try? String(contentsOfFile: directory + "/replies", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        try #require(replies.count == 7, "hello and one reply per line: \(replies)")
        let parsed = try replies.map { try JSONValue.parse(Array($0.utf8)).objectValue ?? [:] }
        #expect(parsed[0]["type"] == "hello" && parsed[0]["checkpoint"] == .null)
        #expect(parsed[1]["type"] == "error" && parsed[1]["code"] == "malformed" && parsed[1]["line"] == 1)
        #expect(parsed[2]["code"] == "unsupported_version" && parsed[2]["ref"] == "future")
        #expect(parsed[3]["type"] == "ack" && parsed[3]["duplicate"] == false && parsed[3]["checkpoint"] == "c1")
        #expect(parsed[4]["code"] == "too_large" && parsed[4]["line"] == 4)
        #expect(parsed[5]["type"] == "ack" && parsed[5]["duplicate"] == true && parsed[5]["id"] == parsed[3]["id"])
        #expect(parsed[6]["type"] == "ack" && parsed[6]["checkpoint"] == "c2" && parsed[6]["id"] == nil)
        #expect(try await CrashSafetyTests.head(port: gateway.port, stream: "all") == 1, "only the good line is stored")
        #expect(await Self.processes(matching: script, expected: 1) == 1, "the plugin is still running")
        let log = try String(contentsOfFile: directory + "/gateway.log", encoding: .utf8)
        #expect(log.contains("plugin line 4 refused: line is"))
        #expect(log.contains("plugin: calling the survey API with key <redacted>"), "stderr is logged under the channel")
        #expect(!log.contains("sk-live-0123456789abcdef"), "a secret_env value never reaches the log")
    }

    // MARK: - Helpers

    /// A fresh directory for one test's config, log and data (also used by the crash tests).
    static func workspace(_ name: String) throws -> String {
        TemporaryDirectory.make("lp-\(name)")
    }

    /// A gateway config in `directory` with the channels, a reader of `streams`, and
    /// `extra` top-level sections (customers, segments, operators, …).
    static func config(_ directory: String, channel: String, streams: String = "[all]", extra: String = "") throws -> String {
        let path = directory + "/channels.yaml"
        try """
        server:
          port: 0
        store:
          path: \(directory)/data
        channels:
        \(channel)
        subscribers:
          - name: checker
            token: \(GatewayHarness.readerToken)
            streams: \(streams)
        """.appending("\n" + extra).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func waitUntil(head: Int64, port: Int, stream: String, timeout: Duration = .seconds(60)) async throws {
        let deadline = ContinuousClock.now + timeout
        var current: Int64 = 0
        while ContinuousClock.now < deadline {
            current = (try? await CrashSafetyTests.head(port: port, stream: stream)) ?? 0
            if current >= head { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw GatewayProcess.Failure(description: "stream \(stream) reached \(current) events, not \(head), within \(timeout)")
    }

    static func storedKeys(port: Int, stream: String) async throws -> [String] {
        let head = try await CrashSafetyTests.head(port: port, stream: stream)
        let events = try await GatewayHarness.readEvents(port, stream: stream, query: "?after=0", count: Int(head))
        #expect(events.map(\.lastEventId) == (1...head).map(String.init), "offsets are gapless")
        return try events.map { try MessageEvent.decode(Array($0.data.utf8)).data.dedupKey }
    }

    static func drop(_ range: Range<Int>, into inbox: String) throws {
        for index in range {
            let mail =
                "From: Customer \(index) <c\(index)@example.com>\r\nSubject: Order \(index)\r\nMessage-ID: <m\(index)@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nWhere is order \(index)?\r\n"
            let name = String(format: "%05d.eml", index)
            // Written aside and renamed in, as a mail drop does, so no half file is read.
            try mail.write(toFile: inbox + "/." + name, atomically: false, encoding: .utf8)
            try FileManager.default.moveItem(atPath: inbox + "/." + name, toPath: inbox + "/" + name)
        }
    }

    static func emlFiles(in directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".eml") && !$0.hasPrefix(".") }.count
    }

    static func inode(_ path: String) throws -> UInt64 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
    }

    static func kill9(pluginMatching pattern: String) async {
        for pid in ChildProcess.pids(matching: pattern) { kill(pid, SIGKILL) }
    }

    /// How many processes have `pattern` in their command line, waiting up to 5 s for the
    /// count to settle at `expected` (exits take a moment).
    static func processes(matching pattern: String, expected: Int) async -> Int {
        var count = 0
        for _ in 0..<50 {
            count = ChildProcess.pids(matching: pattern).count
            if count == expected { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return count
    }
}
