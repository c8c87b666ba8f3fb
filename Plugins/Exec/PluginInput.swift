import Logging
import Subprocess
import Synchronization

/// The plugin's stdin. A write fails only when the plugin has gone (closed stdin or
/// exited); that is not the gateway's failure, so it is logged once and later lines are
/// dropped: the plugin learns what committed from its checkpoint when it starts again.
final class PluginInput: Sendable {
    private let writer: StandardInputWriter
    private let logger: Logger
    private let closed = Mutex(false)

    init(writer: StandardInputWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    /// Writes whole lines. Blocks while the plugin's stdin pipe is full: a plugin must read
    /// its stdin (docs/exec-protocol.md).
    func send(_ bytes: [UInt8]) async {
        guard !bytes.isEmpty, !closed.withLock({ $0 }) else { return }
        do {
            _ = try await writer.write(bytes)
        } catch {
            let first = closed.withLock { wasClosed in
                defer { wasClosed = true }
                return !wasClosed
            }
            if first { logger.debug("plugin stdin closed; acks and errors are no longer sent", metadata: ["error": "\(error)"]) }
        }
    }
}
