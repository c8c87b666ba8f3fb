import Foundation
import Testing

/// The bootstrap checks against the binary and the example config: bound to loopback the
/// demo secrets are warnings and it runs; bound to anything else `check` and `serve` refuse
/// every demo secret and unsigned channel by file:line:column, unless the operator writes
/// `server.allow_weak_secrets: true`.
@Suite struct BootstrapCheckTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.binary)
        process.arguments = arguments
        // The example's defaults apply only when these are unset.
        process.environment = ProcessInfo.processInfo.environment.filter {
            !$0.key.hasPrefix("LISTENING_POST_") && !$0.key.contains("SECRET") && !$0.key.contains("TOKEN")
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// The example with its host changed, written where the test can run it.
    static func example(host: String, extra: String = "") throws -> (path: String, lines: [String]) {
        let text = try String(contentsOfFile: ExecPluginTests.root + "/channels.yaml", encoding: .utf8)
        let changed = text.replacingOccurrences(of: "  host: 127.0.0.1\n", with: "  host: \"\(host)\"\n\(extra)")
        let directory = try ExecPluginTests.workspace("bootstrap")
        let path = directory + "/channels.yaml"
        try changed.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, changed.components(separatedBy: "\n"))
    }

    /// Line numbers (1-based) of every secret the example defaults with `${VAR:-…}`, and
    /// of every `insecure: true`.
    static func findings(in lines: [String]) -> (secrets: [Int], insecure: [Int]) {
        var secrets: [Int] = []
        var insecure: [Int] = []
        for (index, line) in lines.enumerated() {
            let key = line.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) ?? ""
            if line.contains(":-"), ["secret", "auth_token", "token"].contains(key.replacingOccurrences(of: "- ", with: "")) {
                secrets.append(index + 1)
            }
            if line.trimmingCharacters(in: .whitespaces) == "insecure: true" { insecure.append(index + 1) }
        }
        return (secrets, insecure)
    }

    @Test func onLoopbackTheExampleRunsWithWarnings() throws {
        let run = try Self.run(["check", "--config", ExecPluginTests.root + "/channels.yaml"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("warning: subscribers[0].token: is the example config's demo default"))
    }

    @Test func exposedTheExampleIsRefusedValueByValue() throws {
        let (path, lines) = try Self.example(host: "0.0.0.0")
        let (secrets, insecure) = Self.findings(in: lines)
        #expect(secrets.count == 7 && insecure.count == 2, "the example has seven demo secrets and two unsigned channels (the survey, the hotline)")
        for arguments in [["check", "--config", path], ["serve", "--config", path]] {
            let run = try Self.run(arguments)
            #expect(run.status == 2, "\(arguments[0]): \(run.stderr)")
            #expect(!run.stderr.contains("listening on"), "\(arguments[0]) never binds")
            let refused = run.stderr.components(separatedBy: "\n").filter { $0.contains("so this is refused") && !$0.contains("warning:") }
            let refusedLines = Set(refused.compactMap { Int($0.split(separator: ":").dropFirst().first ?? "") })
            #expect(refusedLines == Set(secrets + insecure), "\(arguments[0]) points at each value: \(refused)")
        }
    }

    @Test func anExplicitOverrideTurnsRefusalsIntoWarnings() throws {
        let (path, _) = try Self.example(host: "0.0.0.0", extra: "  allow_weak_secrets: true\n")
        let run = try Self.run(["check", "--config", path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.components(separatedBy: "\n").filter { $0.contains("warning:") && $0.contains("allowed by server.allow_weak_secrets") }.count
                == 9
        )
    }
}
