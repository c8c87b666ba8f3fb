import ListeningPostCore
import ListeningPostKit
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one adapter and keeps it running: if `run()` throws, the failure is logged with the
/// channel's name, the channel is marked unhealthy and it is restarted after a capped
/// exponential backoff, while every other channel keeps working. A graceful shutdown ends
/// it for good.
public final class AdapterSupervisor: Service, Sendable {
    /// What `/readyz` shows for a channel.
    public enum Status: Sendable, Equatable {
        case starting
        case running
        case failing(String)
        case stopped
    }

    /// The channel id.
    public let channel: String
    private let adapter: any ChannelAdapter
    private let context: AdapterContext
    private let status = Mutex(Status.starting)
    private let backoff: Backoff

    /// Creates a supervisor.
    public init(channel: String, adapter: any ChannelAdapter, context: AdapterContext, backoff: Backoff = Backoff()) {
        self.channel = channel
        self.adapter = adapter
        self.context = context
        self.backoff = backoff
    }

    /// How long a run must last before a failure counts as the first again.
    static let stableRun: Duration = .seconds(60)

    /// The current status.
    public var currentStatus: Status { status.withLock { $0 } }

    public func run() async throws {
        var attempt = 0
        while !Task.isCancelled {
            status.withLock { $0 = .running }
            context.metrics.healthy(true)
            let started = ContinuousClock.now
            do {
                try await adapter.run()
                break  // returned: graceful shutdown
            } catch is CancellationError {
                break
            } catch {
                if Task.isCancelled { break }
                // A channel that ran a good while before failing starts its backoff afresh:
                // one failure a day should not wait as long as the tenth in a minute.
                if ContinuousClock.now - started >= Self.stableRun { attempt = 0 }
                let delay = backoff.delay(afterFailures: attempt)
                attempt += 1
                status.withLock { $0 = .failing("\(error)") }
                context.metrics.healthy(false)
                context.logger.error(
                    "channel failed; retrying in \(ConfigScalars.format(delay))",
                    metadata: ["error": "\(error)", "attempt": "\(attempt)"]
                )
                do {
                    try await cancelWhenGracefulShutdown { try await self.context.clock.sleep(for: delay) }
                } catch {
                    break
                }
            }
        }
        status.withLock { $0 = .stopped }
    }
}
