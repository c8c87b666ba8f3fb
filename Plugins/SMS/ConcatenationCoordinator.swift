import Foundation
import HTTPTypes
import ListeningPostKit
import Logging
import Synchronization

/// Serialises concatenated-SMS parts through one ``ConcatenationAssembler`` whose state is
/// the channel checkpoint: each part is answered only after the new state (and the event,
/// when the part completes a message) is committed. Runs inside the adapter's `run()`,
/// which also gives up sets that waited past the timeout.
final class ConcatenationCoordinator: Sendable {
    private enum Job: Sendable {
        case part(ConcatenatedPart, CheckedContinuation<InboundHTTPResponse, Never>)
        case tick
    }

    private let jobs: AsyncStream<Job>
    private let enqueue: AsyncStream<Job>.Continuation
    private let timeout: Duration
    private let tickInterval: Duration

    init(timeout: Duration, tickInterval: Duration = .seconds(1)) {
        (jobs, enqueue) = AsyncStream.makeStream(of: Job.self)
        self.timeout = timeout
        self.tickInterval = tickInterval
    }

    /// Hands a part to the running coordinator and waits for its answer; 503 when the
    /// channel is not running.
    func submit(_ part: ConcatenatedPart) async -> InboundHTTPResponse {
        await withCheckedContinuation { continuation in
            if case .terminated = enqueue.yield(.part(part, continuation)) {
                continuation.resume(returning: .problem(.unavailable("the channel is shutting down; retry later")))
            }
        }
    }

    /// Processes parts until cancelled (graceful shutdown), then refuses what is queued.
    func run(context: AdapterContext) async {
        var state = ConcatenationAssembler()
        do {
            if let saved = try await context.sink.lastCheckpoint() {
                if let restored = ConcatenationAssembler.restore(from: saved) {
                    state = restored
                } else {
                    context.logger.error(
                        "the saved concatenation state cannot be read; starting empty",
                        metadata: ["checkpoint": "\(saved.prefix(200))"]
                    )
                }
            }
        } catch {
            context.logger.error("cannot read the saved concatenation state; starting empty", metadata: ["error": "\(error)"])
        }
        if !state.pending.isEmpty {
            context.logger.info(
                "\(state.pending.values.reduce(0) { $0 + $1.parts.count }) part(s) of concatenated messages are waiting for their siblings"
            )
        }
        let timeoutSeconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [enqueue, tickInterval] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tickInterval)
                    enqueue.yield(.tick)
                }
            }
            for await job in jobs {
                if Task.isCancelled { break }
                switch job {
                case .part(let part, let answer):
                    answer.resume(returning: await add(part, to: &state, context: context))
                case .tick:
                    await expire(&state, timeout: timeoutSeconds, context: context)
                }
            }
            group.cancelAll()
        }
        enqueue.finish()
        for await job in jobs {
            if case .part(_, let answer) = job { answer.resume(returning: .problem(.unavailable("the channel is shutting down; retry later"))) }
        }
    }

    /// Stops accepting parts; `run()` answers what is queued and returns.
    func finish() {
        enqueue.finish()
    }

    private func add(_ part: ConcatenatedPart, to state: inout ConcatenationAssembler, context: AdapterContext) async -> InboundHTTPResponse {
        var next = state
        let (outcome, overflow) = next.add(part, now: context.clock.now())
        if outcome == .repeated {
            return .json(.ok, ["status": "duplicate", "detail": .string("part \(part.number) of \(part.total) was already received")])
        }
        if !overflow.isEmpty {
            context.logger.warning("too many parts waiting; gave up \(overflow.count) incomplete message(s) early")
        }
        var messages = overflow
        if case .completed(let message) = outcome { messages.insert(message, at: 0) }
        do {
            let receipts = try await context.sink.submit(messages, checkpoint: next.checkpoint())
            state = next
            switch outcome {
            case .completed:
                return .json(.ok, ["id": .string(receipts[0].eventId)])
            case .waiting(let missing):
                return .json(.ok, ["status": "waiting", "detail": .string("part \(part.number) of \(part.total) stored; \(missing) to come")])
            case .repeated:
                return .json(.ok, ["status": "duplicate"])
            }
        } catch {
            context.logger.error("could not store a concatenated SMS part; answered 503 so Vonage retries", metadata: ["error": "\(error)"])
            return .problem(.unavailable("the message part could not be stored; retry later"))
        }
    }

    private func expire(_ state: inout ConcatenationAssembler, timeout: TimeInterval, context: AdapterContext) async {
        var next = state
        let expired = next.expire(now: context.clock.now(), timeout: timeout)
        guard !expired.isEmpty else {
            state = next
            return
        }
        do {
            _ = try await context.sink.submit(expired, checkpoint: next.checkpoint())
            state = next
            context.logger.notice("stored \(expired.count) concatenated SMS with parts missing after \(timeout) s, flagged incomplete")
        } catch {
            context.logger.error("could not store timed-out concatenated SMS; will retry", metadata: ["error": "\(error)"])
        }
    }
}
