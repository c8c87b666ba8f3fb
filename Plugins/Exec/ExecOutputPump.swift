import ListeningPostKit
import Logging

/// Turns a plugin's stdout into commits: frames lines, decodes them, commits the messages
/// (and the last checkpoint among them) in one transaction per read or per `batch_size`
/// lines, then answers every line on stdin in order: an ack after commit, or an error.
/// Nothing is read while a batch commits, so a flooding plugin waits on its own pipe.
struct ExecOutputPump {
    private enum Entry {
        case accepted(line: Int, ExecPluginLine)
        case refused(line: Int, ExecPluginLine.Refusal)
    }

    let settings: ExecSettings
    let context: AdapterContext
    let input: PluginInput
    /// Where `sent` and `send_failed` answers go.
    let sends: ExecSendBridge?
    private var framer: ExecLineFramer
    private var lineNumber = 0
    private var pending: [Entry] = []
    private var acceptedCount = 0

    init(settings: ExecSettings, context: AdapterContext, input: PluginInput, sends: ExecSendBridge? = nil) {
        self.sends = sends
        self.settings = settings
        self.context = context
        self.input = input
        framer = ExecLineFramer(maxLineSize: settings.maxLineSize)
    }

    /// Splits bytes read from stdout into pieces (synchronous: runs inside the read buffer).
    mutating func frame(_ bytes: UnsafeRawBufferPointer) -> [ExecLineFramer.Piece] {
        framer.append(bytes)
    }

    /// Decodes the pieces of one read and commits them.
    mutating func handle(_ pieces: [ExecLineFramer.Piece]) async throws {
        for piece in pieces {
            lineNumber += 1
            switch piece {
            case .oversized(let count):
                pending.append(
                    .refused(
                        line: lineNumber,
                        .init(
                            reason: "line is \(count) bytes; max_line_size is \(settings.maxLineSize)",
                            code: "too_large"
                        )
                    )
                )
            case .line(let bytes):
                do {
                    let line = try ExecPluginLine.decode(bytes)
                    // An answer to a send is handed over at once and not acknowledged:
                    // nothing of it is stored by this channel (the outbox stores the outcome).
                    if let answer = Self.sendAnswer(line) {
                        if sends?.answer(id: answer.id, answer.result) != true {
                            pending.append(
                                .refused(
                                    line: lineNumber,
                                    .init(reason: "no send '\(answer.id)' is waiting for an answer", code: "unknown_send", ref: line.ref)
                                )
                            )
                        }
                        continue
                    }
                    pending.append(.accepted(line: lineNumber, line))
                    acceptedCount += 1
                } catch {
                    pending.append(.refused(line: lineNumber, error))
                }
            }
            if acceptedCount >= settings.batchSize { try await commit() }
        }
        try await commit()
    }

    private static func sendAnswer(_ line: ExecPluginLine) -> (id: String, result: Result<SendReceipt, SendFailure>)? {
        switch line.kind {
        case .sent(let id, let providerId): (id, .success(SendReceipt(providerId: providerId)))
        case .sendFailed(let id, let error, let retryable, let retryAfter):
            (id, .failure(SendFailure(retryable ? .retryable : .permanent, "the plugin: \(error)", retryAfter: retryAfter.map { .seconds($0) })))
        default: nil
        }
    }

    /// At end of stream: a half-written last line is dropped, and said so.
    mutating func finish() {
        if let partial = framer.finish() {
            context.metrics.rejected(reason: "unterminated")
            context.logger.warning("plugin stdout ended inside a line (\(partial) bytes without a newline); nothing from it is stored")
        }
    }

    private mutating func commit() async throws {
        guard !pending.isEmpty else { return }
        let entries = pending
        pending.removeAll(keepingCapacity: true)
        acceptedCount = 0
        var messages: [InboundMessage] = []
        var checkpoint: String?
        for case .accepted(_, let line) in entries {
            if case .message(let message) = line.kind { messages.append(message) }
            if let token = line.checkpoint { checkpoint = token }
        }
        var receipts: [IngestReceipt] = []
        if !messages.isEmpty || checkpoint != nil {
            // Throws when the log cannot commit: the session ends unacknowledged, and the
            // plugin, restarted, resumes from the checkpoint that did commit.
            receipts = try await context.sink.submit(messages, checkpoint: checkpoint)
        }
        var reply: [UInt8] = []
        var nextReceipt = receipts.makeIterator()
        for entry in entries {
            switch entry {
            case .accepted(let line, let decoded):
                let receipt: IngestReceipt? = if case .message = decoded.kind { nextReceipt.next() } else { nil }
                reply += ExecGatewayLine.ack(line: line, ref: decoded.ref, receipt: receipt, checkpoint: decoded.checkpoint)
            case .refused(let line, let refusal):
                context.metrics.rejected(reason: refusal.code)
                context.rejectionLog.log(context.logger, .warning, "plugin line \(line) refused: \(settings.redacted(refusal.reason))")
                reply += ExecGatewayLine.error(line: line, ref: refusal.ref, code: refusal.code, message: refusal.reason)
            }
        }
        await input.send(reply)
    }
}
