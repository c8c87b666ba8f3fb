import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

/// The gateway as a child process under load: killed with SIGKILL (or stopped with SIGTERM)
/// mid-load and restarted, every acknowledged event is in the log exactly once, and every
/// redelivery gets the original id back.
@Suite(.serialized) struct CrashSafetyTests {
    @Test func killDashNineMidLoadLosesAndDuplicatesNothing() async throws {
        try await Self.loadThenStop(signal: SIGKILL)
    }

    @Test func sigtermMidLoadDrainsAndLosesNothing() async throws {
        try await Self.loadThenStop(signal: SIGTERM)
    }

    static func loadThenStop(signal: Int32) async throws {
        let directory = try ExecPluginTests.workspace("crash")
        let configPath = try ExecPluginTests.config(
            directory,
            channel: """
                  - id: load
                    type: webhook
                    path: /hooks/load
                    insecure: true
                    mapping:
                      dedup_key: /key
                """
        )

        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        let load = LoadRecord()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var index = 0
                    while !load.stopped {
                        let key = "w\(worker)-\(index)"
                        index += 1
                        load.attempt(key)
                        guard
                            let answer = try? await GatewayHarness.post(
                                first.port,
                                "/hooks/load",
                                body: GatewayHarness.json(["key": .string(key), "text": .string("message \(key)")])
                            )
                        else {
                            return  // the gateway went away
                        }
                        if answer.status == 202, let id = answer.json?.objectValue?["id"]?.stringValue {
                            load.ack(key, id)
                        }
                    }
                }
            }
            group.addTask {
                while load.acknowledged.count < 400 { try await Task.sleep(for: .milliseconds(5)) }
                first.signal(signal)
                let status = await first.waitForExit()
                if signal == SIGTERM { #expect(status == 0, "a graceful stop exits 0") }
                load.stop()
            }
            try await group.waitForAll()
        }
        let acknowledged = load.acknowledged
        #expect(acknowledged.count >= 400)

        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        defer { second.signal(SIGKILL) }
        do {
            try await Self.checkRestarted(second, load: load)
        } catch {
            // The restarted gateway's own words say why it stopped answering.
            let log = (try? String(contentsOfFile: directory + "/second.log", encoding: .utf8)) ?? ""
            throw GatewayProcess.Failure(description: "\(error)\nexited: \(ChildProcess.hasExited(second.process))\n\(log.suffix(4000))")
        }
    }

    static func checkRestarted(_ second: GatewayProcess, load: LoadRecord) async throws {
        let acknowledged = load.acknowledged
        // Every acknowledged message is stored once, with the id it was acknowledged with.
        let head = try await Self.head(port: second.port, stream: "all")
        let events = try await GatewayHarness.readEvents(second.port, stream: "all", query: "?after=0", count: Int(head))
        #expect(events.map(\.lastEventId) == (1...head).map(String.init), "offsets are gapless")
        var stored: [String: String] = [:]
        for event in events {
            let decoded = try MessageEvent.decode(Array(event.data.utf8))
            #expect(stored[decoded.data.dedupKey] == nil, "\(decoded.data.dedupKey) stored twice")
            stored[decoded.data.dedupKey] = decoded.id
        }
        for (key, id) in acknowledged {
            #expect(stored[key] == id, "acknowledged \(key) missing or with another id")
        }
        // Redelivering everything that was attempted stores nothing twice.
        for key in load.attempted.sorted() {
            let answer = try await GatewayHarness.post(
                second.port,
                "/hooks/load",
                body: GatewayHarness.json(["key": .string(key), "text": .string("message \(key)")])
            )
            #expect(answer.status == 202)
            if let id = acknowledged[key] ?? stored[key] {
                #expect(answer.json?.objectValue?["id"]?.stringValue == id)
                #expect(answer.json?.objectValue?["duplicate"] == .bool(true))
            }
        }
        let total = try await Self.head(port: second.port, stream: "all")
        #expect(Int(total) == load.attempted.count, "each attempted key stored exactly once after redelivery")
    }

    static func head(port: Int, stream: String, token: String = GatewayHarness.readerToken) async throws -> Int64 {
        let answer = try await GatewayHarness.get(port, "/v1/streams", token: token)
        let streams = try JSONValue.parse(Array(answer.body.utf8)).objectValue?["streams"]
        guard case .array(let list)? = streams,
            let entry = list.first(where: { $0.objectValue?["name"]?.stringValue == stream }),
            case .number(let head)? = entry.objectValue?["head"]
        else { throw GatewayProcess.Failure(description: "no head for \(stream) in \(answer.body)") }
        return Int64(head)
    }
}

/// What the load generator sent and what was acknowledged.
final class LoadRecord: Sendable {
    private struct State {
        var acknowledged: [String: String] = [:]
        var attempted: Set<String> = []
        var stopped = false
    }
    private let state = Mutex(State())
    var acknowledged: [String: String] { state.withLock { $0.acknowledged } }
    var attempted: Set<String> { state.withLock { $0.attempted } }
    var stopped: Bool { state.withLock { $0.stopped } }
    func attempt(_ key: String) { state.withLock { _ = $0.attempted.insert(key) } }
    func ack(_ key: String, _ id: String) { state.withLock { $0.acknowledged[key] = id } }
    func stop() { state.withLock { $0.stopped = true } }
}

/// The built `listening-post` binary running `serve` as a child process.
final class GatewayProcess: Sendable {
    struct Failure: Error, CustomStringConvertible { let description: String }

    let process: Process
    let port: Int

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// The binary: `LISTENING_POST_BIN`, else `.build/debug/listening-post` in this package.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["LISTENING_POST_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/listening-post").path
    }

    /// - Parameter environment: added to this process's environment for the gateway.
    static func start(config: String, logFile: String, environment: [String: String] = [:]) async throws -> GatewayProcess {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw Failure(description: "\(binary) is not built; run `swift build` first (or set LISTENING_POST_BIN)")
        }
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--config", config]
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new } }
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            if let range = log.range(of: "listening on http://127.0.0.1:") {
                // Only a whole line: a read can land between two writes of the logger and
                // see half the port.
                let rest = log[range.upperBound...]
                let digits = rest.prefix { $0.isNumber }
                if rest.dropFirst(digits.count).first?.isNewline == true, let port = Int(digits) {
                    if (try? await GatewayHarness.get(port, "/healthz", token: nil)) != nil {
                        return GatewayProcess(process: process, port: port)
                    }
                }
            }
            if ChildProcess.hasExited(process) { throw Failure(description: "gateway exited at startup:\n\(log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw Failure(description: "gateway did not start within 30 s")
    }

    func signal(_ signal: Int32) {
        if !ChildProcess.hasExited(process) { kill(process.processIdentifier, signal) }
    }

    func waitForExit() async -> Int32 {
        await ChildProcess.waitForExit(process)
    }
}
