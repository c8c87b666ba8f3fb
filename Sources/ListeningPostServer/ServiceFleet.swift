import Logging
import ServiceLifecycle
import Synchronization

/// The services that a config reload starts and stops while the gateway runs: each
/// channel's adapter, each channel's outbox sender and each push subscriber, by key.
///
/// Each member runs as a nested `ServiceGroup`, so stopping one member is exactly the
/// graceful shutdown the whole process does (its adapter finishes what it holds and its
/// last checkpoint commits), and a process shutdown reaches every member through the
/// fleet, as it reaches any other service.
public final class ServiceFleet: Service, Sendable {
    /// One running member.
    struct Member: Sendable {
        let key: String
        /// What the member was built from: a reload keeps a member whose fingerprint is the same.
        let fingerprint: String
        let group: ServiceGroup
        let finished: AsyncStream<Void>
        let markFinished: AsyncStream<Void>.Continuation
    }

    private let members = Mutex<[String: Member]>([:])
    private let starts = AsyncStream.makeStream(of: Member.self)
    private let logger: Logger

    /// Creates an empty fleet.
    public init(logger: Logger) {
        self.logger = logger
    }

    /// The member's fingerprint, or `nil` when no member has the key.
    public func fingerprint(of key: String) -> String? {
        members.withLock { $0[key]?.fingerprint }
    }

    /// Every member's key.
    public var keys: Set<String> { members.withLock { Set($0.keys) } }

    /// Starts a member (now if the fleet runs, else when it does). A key already in use is
    /// a programming error: stop the member first.
    public func start(key: String, fingerprint: String, services: [any Service]) {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: services.map { .init(service: $0) }, logger: logger)
        )
        let (finished, markFinished) = AsyncStream.makeStream(of: Void.self)
        let member = Member(key: key, fingerprint: fingerprint, group: group, finished: finished, markFinished: markFinished)
        members.withLock { members in
            precondition(members[key] == nil, "fleet member \(key) started twice")
            members[key] = member
        }
        starts.continuation.yield(member)
    }

    /// Stops a member gracefully and returns once it has finished. Nothing to do for an
    /// unknown key.
    public func stop(key: String) async {
        guard let member = members.withLock({ $0.removeValue(forKey: key) }) else { return }
        await member.group.triggerGracefulShutdown()
        for await _ in member.finished {}
    }

    /// Stops several members at once and returns once all have finished.
    public func stop(keys: some Collection<String>) async {
        await withDiscardingTaskGroup { group in
            for key in keys { group.addTask { await self.stop(key: key) } }
        }
    }

    public func run() async throws {
        let logger = self.logger
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await member in starts.stream {
                    group.addTask {
                        do {
                            try await member.group.run()
                        } catch {
                            logger.error("\(member.key) ended with an error", metadata: ["error": "\(error)"])
                        }
                        member.markFinished.finish()
                    }
                }
                // The stream ends at shutdown; the task group then waits for every member,
                // each of which has heard the same graceful shutdown.
            }
        } onGracefulShutdown: {
            self.starts.continuation.finish()
        }
    }
}
