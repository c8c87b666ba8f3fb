import Foundation
import ListeningPostKit
import Synchronization

/// Carries the outbox's sends to the running plugin (exec protocol v2) and its answers
/// back: a `send` line on stdin, then the plugin's `sent` or `send_failed` line with the
/// same id. Shared by the adapter (the outbox calls it) and each session (which writes and
/// reads the pipes); a session that ends fails what it left unanswered as retryable.
final class ExecSendBridge: Sendable {
    private struct State {
        var input: PluginInput?
        var waiting: [String: CheckedContinuation<Result<SendReceipt, SendFailure>, Never>] = [:]
    }
    private let state = Mutex(State())
    let timeout: Duration

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// A session started: sends go to its stdin.
    func attach(_ input: PluginInput) {
        state.withLock { $0.input = input }
    }

    /// The session ended: nothing more can be answered.
    func detach() {
        let left = state.withLock { state in
            state.input = nil
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for continuation in left { continuation.resume(returning: .failure(SendFailure(.retryable, "the plugin ended before it answered"))) }
    }

    /// The plugin's answer to a send.
    func answer(id: String, _ result: Result<SendReceipt, SendFailure>) -> Bool {
        guard let continuation = state.withLock({ $0.waiting.removeValue(forKey: id) }) else { return false }
        continuation.resume(returning: result)
        return true
    }

    func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let input = state.withLock({ $0.input }) else { throw SendFailure(.retryable, "the plugin is not running") }
        let id = message.id
        let timer = Task { [timeout] in
            try await Task.sleep(for: timeout)
            _ = self.answer(id: id, .failure(SendFailure(.retryable, "the plugin did not answer within \(timeout)")))
        }
        defer { timer.cancel() }
        let result = await withCheckedContinuation { continuation in
            state.withLock { $0.waiting[id] = continuation }
            Task { await input.send(ExecGatewayLine.send(message)) }
        }
        return try result.get()
    }
}
