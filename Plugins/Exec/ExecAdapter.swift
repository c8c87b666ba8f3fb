import Foundation
import ListeningPostKit
import Logging
import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An out-of-process adapter in any language: the gateway starts the operator's program,
/// reads newline-delimited JSON messages from its stdout, commits them and answers on its
/// stdin after commit; on every start it hands back the last committed checkpoint
/// (docs/exec-protocol.md). The program is supervised: when it ends, the channel is marked
/// unhealthy and restarted after a capped backoff by the gateway's adapter supervisor.
public struct ExecAdapter: ChannelAdapter {
    public static let kind = "exec"
    public static let summary =
        "A program in any language that writes messages as JSON lines on stdout (exec protocol v1, v2 to send too): acks "
        + "after commit on stdin, its checkpoint handed back on restart."
    public static let configSpec = ExecSettings.spec

    private let settings: ExecSettings
    private let context: AdapterContext
    private let sends: ExecSendBridge?

    public init(config: ConfigValues, context: AdapterContext) throws {
        settings = try ExecSettings(config)
        self.context = context
        sends = settings.sends ? ExecSendBridge(timeout: settings.sendTimeout) : nil
        try Self.checkProgram(settings, config: config)
    }

    /// The program must be there when the gateway starts (see ``ExecutableLookup``).
    private static func checkProgram(_ settings: ExecSettings, config: ConfigValues) throws {
        let lookup = ExecutableLookup.live
        var errors: [ConfigError] = []
        if let directory = settings.workingDirectory, let problem = lookup.workingDirectoryProblem(directory) {
            errors.append(config.invalid("working_dir", problem))
        }
        let pathValue = settings.environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"]
        if errors.isEmpty, let problem = lookup.commandProblem(settings.command, workingDirectory: settings.workingDirectory, pathValue: pathValue) {
            errors.append(config.invalid("command", problem))
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
    }

    public func run() async throws {
        // Writing to a plugin that has just died must be an error to handle, not a signal
        // that ends the gateway.
        signal(SIGPIPE, SIG_IGN)
        let ending = try await ExecSession(settings: settings, context: context, sends: sends).run()
        guard case .exited(let how) = ending else { return }
        context.metrics.healthy(false)
        // The supervisor restarts it with backoff, and says so in the log.
        throw PluginEnded(description: "plugin '\(settings.command)' \(how)")
    }
}

extension ExecAdapter: ChannelSender {
    /// Channels with `send: true`.
    public var canSend: Bool { sends != nil }

    public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let sends else { throw SendFailure(.permanent, "this exec channel does not send (set send: true)") }
        return try await sends.send(message)
    }
}

/// The plugin ended without being asked to.
struct PluginEnded: Error, CustomStringConvertible {
    let description: String
}
