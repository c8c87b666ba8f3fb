import Foundation
import ListeningPostCore
import ListeningPostKit
import Testing

/// `backup` while the gateway takes writes, then `restore` into another data directory: the
/// restored gateway has every event the copy holds, gaplessly, and still knows their dedup
/// keys; `restore` refuses a directory a running gateway holds.
@Suite(.serialized) struct BackupRestoreTests {
    static func cli(_ arguments: [String]) throws -> BootstrapCheckTests.Run {
        try BootstrapCheckTests.run(arguments)
    }

    @Test func aBackupUnderLoadRestoresToAGatewayWithEveryEventItHeld() async throws {
        let directory = try ExecPluginTests.workspace("backup")
        let channel = """
              - id: hook
                type: webhook
                path: /hooks/in
                insecure: true
                mapping: {dedup_key: /id, text: /text}
            """
        let config = try ExecPluginTests.config(directory, channel: channel)
        let gateway = try await GatewayProcess.start(config: config, logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        for index in 0..<100 {
            #expect(
                try await GatewayHarness.post(gateway.port, "/hooks/in", body: GatewayHarness.json(["id": .string("m\(index)"), "text": "before"]))
                    .status == 202
            )
        }
        // Writes keep coming while the copy is taken.
        let port = gateway.port
        let writer = Task {
            for index in 100..<400 {
                _ = try? await GatewayHarness.post(port, "/hooks/in", body: GatewayHarness.json(["id": .string("m\(index)"), "text": "during"]))
            }
        }
        let backup = directory + "/copy.sqlite"
        let run = try Self.cli(["backup", "--config", config, "--to", backup])
        await writer.value
        #expect(run.status == 0, "\(run.stderr)")
        let events = Int(run.stdout.split(separator: " ").dropFirst(2).first ?? "") ?? -1
        #expect(events >= 100 && events <= 400, "the copy holds what was committed when it began: \(run.stdout)")
        #expect(try Self.cli(["backup", "--config", config, "--to", backup]).status == 1, "an existing file is never overwritten")

        // Restore into a second directory; a running gateway's directory is refused.
        let restoredDirectory = try ExecPluginTests.workspace("restored")
        let restoredConfig = try ExecPluginTests.config(restoredDirectory, channel: channel)
        let refused = try Self.cli(["restore", "--config", config, "--from", backup])
        #expect(refused.status == 1 && refused.stderr.contains("in use by another listening-post process"), "\(refused.stderr)")
        let restored = try Self.cli(["restore", "--config", restoredConfig, "--from", backup])
        #expect(restored.status == 0, "\(restored.stderr)")
        let second = try await GatewayProcess.start(config: restoredConfig, logFile: restoredDirectory + "/gateway.log")
        defer { second.signal(SIGKILL) }
        let head = try await CrashSafetyTests.head(port: second.port, stream: "all")
        #expect(head == Int64(events), "every event of the copy, numbered without gaps")
        let stored = try await GatewayHarness.readEvents(second.port, stream: "all", query: "?after=0", count: Int(head))
        #expect(stored.map(\.lastEventId) == (1...Int(head)).map { String($0) })
        let metrics = try await GatewayHarness.get(second.port, "/metrics", token: nil).body
        let size = metrics.split(separator: "\n").first { $0.hasPrefix("listening_post_log_size_bytes") }.flatMap {
            Double($0.split(separator: " ").last ?? "")
        }
        let copyBytes = (try FileManager.default.attributesOfItem(atPath: backup)[.size] as? Int) ?? 0
        #expect(size.map { $0 >= Double(copyBytes) } == true, "the log's size on disk is reported: \(size ?? -1) for a \(copyBytes)-byte copy")
        let again = try await GatewayHarness.post(second.port, "/hooks/in", body: GatewayHarness.json(["id": "m0", "text": "before"]))
        #expect(again.json?.objectValue?["duplicate"] == .bool(true), "the restored log still knows what it has")
    }
}
