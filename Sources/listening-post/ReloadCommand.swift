import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostStore

/// `listening-post reload`: asks the running gateway to re-read its config (SIGHUP to the
/// process holding the data directory) and prints what it did. The gateway validates the
/// file itself, in its own environment, so `${VAR}` secrets only it has still resolve.
struct ReloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Make the running gateway re-read its config; print what changed, or each problem as file:line:column.",
        discussion: "A file with any problem changes nothing. Exit status: 0 applied, 2 rejected, 1 no gateway or no answer."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The running gateway's data directory. Default: store.path from the config.")
    var data: String?

    @Option(help: "How long to wait for the gateway's answer, in seconds.")
    var timeout: Double = 30

    func run() async throws {
        guard let directory = data ?? ConfigLoader(registry: .builtin).storePath(file: options.config) else {
            fail("cannot read \(options.config); give the data directory with --data")
        }
        guard let pid = DataDirectoryLock.holder(directory: directory) else {
            fail("no gateway is running on \(directory) (nothing holds \(directory)/LOCK)")
        }
        let statusFile = ConfigReloader.statusFile(dataDirectory: directory)
        let before = Self.status(statusFile)?["attempt"]?.numberValue ?? 0
        guard kill(pid, SIGHUP) == 0 else {
            fail("cannot signal the gateway (pid \(pid)): \(String(cString: strerror(errno)))")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = Self.status(statusFile), let attempt = status["attempt"]?.numberValue, attempt > before {
                report(status)
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        fail("sent SIGHUP to pid \(pid) but it did not answer within \(Int(timeout)) s; see the gateway's log")
    }

    private func report(_ status: [String: JSONValue]) -> Never {
        let file = status["file"]?.stringValue ?? options.config
        if status["result"]?.stringValue == "applied" {
            for warning in status["warnings"]?.arrayValue ?? [] { printError(warning.stringValue ?? "") }
            print("\(file): reloaded (\(status["summary"]?.stringValue ?? ""))")
            Foundation.exit(0)
        }
        let problems = (status["problems"]?.arrayValue ?? []).compactMap(\.stringValue)
        for line in problems { printError(line) }
        let count = Int(status["count"]?.numberValue ?? Double(problems.count))
        printError(
            "\(file): \(count) problem\(count == 1 ? "" : "s"); nothing was changed (still generation \(Int(status["generation"]?.numberValue ?? 0)))"
        )
        Foundation.exit(2)
    }

    private static func status(_ path: String) -> [String: JSONValue]? {
        guard let data = FileManager.default.contents(atPath: path), case .object(let object)? = try? JSONValue.parse(Array(data)) else { return nil }
        return object
    }

    private func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private func fail(_ message: String) -> Never {
        printError("listening-post reload: \(message)")
        Foundation.exit(1)
    }
}
