import Foundation
import ListeningPostKit
import Logging
import ServiceLifecycle
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One run of a plugin program, from spawn to exit: the hello with the last committed
/// checkpoint, stdout lines committed in batches and acknowledged on stdin after commit,
/// stderr into the log, and the process group ended with SIGTERM then SIGKILL.
struct ExecSession {
    let settings: ExecSettings
    let context: AdapterContext
    /// Sends for the plugin, on channels with `send: true`.
    var sends: ExecSendBridge?

    /// Why a session ended.
    enum Ending: Equatable {
        /// Graceful shutdown asked for it.
        case shutdown
        /// The program ended (or closed its stdout) on its own.
        case exited(String)
    }

    /// A stderr line longer than this is logged as skipped, not buffered.
    static let maxStderrLine = 16 << 10

    func run() async throws -> Ending {
        let checkpoint = try await context.sink.lastCheckpoint()
        var options = PlatformOptions()
        // Its own session and process group: signals reach what it starts too (a shell
        // plugin's `sleep`), and a Ctrl-C at the gateway's terminal does not.
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: settings.shutdownGrace)]
        let control = SessionControl()
        let settings = self.settings
        let context = self.context
        let sends = self.sends
        defer { sends?.detach() }
        let outcome: ExecutionResult<Void, SequenceOutput, SequenceOutput>
        do {
            outcome = try await Subprocess.run(
                settings.command.contains("/") ? .path(FilePath(settings.command)) : .name(settings.command),
                arguments: Arguments(settings.arguments),
                environment: .custom(environment(checkpoint: checkpoint)),
                workingDirectory: settings.workingDirectory.map { FilePath($0) },
                platformOptions: options,
                input: .inputWriter,
                output: .sequence,
                error: .sequence
            ) { execution in
                try await Self.converse(with: execution, checkpoint: checkpoint, settings: settings, context: context, control: control, sends: sends)
            }
        } catch {
            // Stopping wins: what failed while stopping (a commit into a closing log) is
            // logged, and the next start resumes from the committed checkpoint.
            guard control.shutdownRequested else { throw error }
            context.logger.warning("plugin session ended with an error while stopping", metadata: ["error": "\(settings.redacted("\(error)"))"])
            return .shutdown
        }
        if control.shutdownRequested { return .shutdown }
        return .exited(Self.describe(outcome.terminationStatus))
    }

    /// The conversation with a started plugin: hello, then stdout into commits and answers
    /// until it ends, with stderr logged and the process group watched meanwhile.
    private static func converse(
        with execution: Execution<CustomWriteInput, SequenceOutput, SequenceOutput>,
        checkpoint: String?,
        settings: ExecSettings,
        context: AdapterContext,
        control: SessionControl,
        sends: ExecSendBridge?
    ) async throws {
        let pid = execution.processIdentifier.value
        context.logger.info("plugin started", metadata: ["pid": "\(pid)", "command": "\(settings.command)", "checkpoint": "\(checkpoint ?? "none")"])
        let input = PluginInput(writer: execution.standardInputWriter, logger: context.logger)
        await input.send(ExecGatewayLine.hello(channel: context.channel.id, checkpoint: checkpoint, send: sends != nil))
        sends?.attach(input)
        context.metrics.healthy(true)
        try await withGracefulShutdownHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Self.logStderr(execution.standardError, settings: settings, logger: context.logger) }
                group.addTask { await Self.superviseProcessGroup(pid: pid, control: control, grace: settings.shutdownGrace) }
                var pump = ExecOutputPump(settings: settings, context: context, input: input, sends: sends)
                for try await buffer in execution.standardOutput {
                    let pieces = buffer.withUnsafeBytes { pump.frame($0) }
                    try await pump.handle(pieces)
                }
                pump.finish()
                control.outputEnded()
                try await group.waitForAll()
            }
        } onGracefulShutdown: {
            control.requestShutdown()
        }
    }

    /// The plugin's environment: the inherited names, the configured variables, and the
    /// protocol's own (version, channel, checkpoint).
    func environment(checkpoint: String?) -> [Environment.Key: String] {
        let gateway = ProcessInfo.processInfo.environment
        var variables: [String: String] = [:]
        for name in settings.inheritedNames { variables[name] = gateway[name] }
        variables.merge(settings.environment) { _, configured in configured }
        variables["LISTENING_POST_PROTOCOL"] = String(ExecGatewayLine.version(sending: sends != nil))
        variables["LISTENING_POST_CHANNEL"] = context.channel.id
        if let checkpoint { variables["LISTENING_POST_CHECKPOINT"] = checkpoint }
        var keyed: [Environment.Key: String] = [:]
        for (name, value) in variables {
            if let key = Environment.Key(rawValue: name) { keyed[key] = value }
        }
        return keyed
    }

    /// Ends the process group when it should end: on graceful shutdown, or when the
    /// program closed its stdout, SIGTERM then, after the grace period, SIGKILL; when the
    /// program itself has exited, whatever it started is ended the same way so the pipes
    /// close. Polls, because the program's exit must be seen without reaping it.
    private static func superviseProcessGroup(pid: pid_t, control: SessionControl, grace: Duration) async {
        let clock = ContinuousClock()
        var terminatedAt: ContinuousClock.Instant?
        var killed = false
        while !killed {
            if Task.isCancelled {
                // The session failed (the log could not commit): nothing more can be stored.
                kill(-pid, SIGKILL)
                return
            }
            let exited = Self.hasExited(pid)
            if exited && control.isOutputEnded { break }
            if terminatedAt == nil, exited || control.shutdownRequested || control.isOutputEnded {
                kill(-pid, SIGTERM)
                terminatedAt = clock.now
            }
            if let terminatedAt, clock.now - terminatedAt >= (exited ? .seconds(1) : grace) {
                kill(-pid, SIGKILL)
                killed = true
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Whether the process has exited, without reaping it (`WNOWAIT`): Subprocess reaps it.
    private static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        let result = waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT)
        if result != 0 { return errno == ECHILD }
        return info._sifields._sigchld.si_pid != 0
    }

    /// Each stderr line becomes a log line under the channel's name.
    private static func logStderr(_ stream: SubprocessOutputSequence, settings: ExecSettings, logger: Logger) async throws {
        var framer = ExecLineFramer(maxLineSize: maxStderrLine)
        for try await buffer in stream {
            for piece in buffer.withUnsafeBytes({ framer.append($0) }) {
                switch piece {
                case .line(let bytes): logger.notice("plugin: \(settings.redacted(String(decoding: bytes, as: UTF8.self)))")
                case .oversized(let count): logger.notice("plugin wrote a stderr line of \(count) bytes; skipped")
                }
            }
        }
        if let rest = framer.finish() { logger.notice("plugin stderr ended inside a line (\(rest) bytes)") }
    }

    private static func describe(_ status: TerminationStatus) -> String {
        switch status {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// Flags shared by the output pump, the shutdown handler and the process supervisor.
final class SessionControl: Sendable {
    private struct State {
        var shutdownRequested = false
        var outputEnded = false
    }
    private let state = Mutex(State())
    var shutdownRequested: Bool { state.withLock { $0.shutdownRequested } }
    var isOutputEnded: Bool { state.withLock { $0.outputEnded } }
    func requestShutdown() { state.withLock { $0.shutdownRequested = true } }
    func outputEnded() { state.withLock { $0.outputEnded = true } }
}
