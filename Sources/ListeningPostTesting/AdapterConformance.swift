import Foundation
import ListeningPostCore
import ListeningPostKit
import Logging
import MetricsTestKit
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization

/// The integration suite every adapter passes, built-in or third-party. It builds the
/// adapter from config as the gateway does, runs it under graceful shutdown as the
/// gateway's supervisor does (re-running it when `run` throws), and checks the contracts
/// of docs/writing-an-adapter.md:
///
/// - a bad config fails before `run`, with an error naming the field;
/// - offered messages are committed;
/// - when the commit fails nothing moves: after a restart, the same messages arrive;
/// - `run` returns promptly (within `shutdownBound`) on graceful shutdown, without error;
/// - refused input is counted in `listening_post_rejected_total`, and a pull adapter
///   reports `listening_post_channel_up`;
/// - no secret reaches a log line or an error the gateway would log.
///
/// ```swift
/// @Test func conforms() async throws {
///     try await AdapterConformance(EchoHarness()).run()
/// }
/// ```
public struct AdapterConformance<Harness: ConformanceHarness>: Sendable {
    /// The adapter's harness.
    public let harness: Harness
    /// How long `run` may take to return after graceful shutdown.
    public let shutdownBound: Duration
    private let log = CapturedLog()
    private let metrics = TestMetrics()
    /// What `run` threw, as the gateway would log it.
    private let runErrors = CapturedLog()
    static var channelId: String { "conformance" }

    /// Creates the suite for a harness.
    public init(_ harness: Harness, shutdownBound: Duration = .seconds(10)) {
        self.harness = harness
        self.shutdownBound = shutdownBound
    }

    /// Runs every check and throws ``ConformanceFailure`` listing each one that failed.
    public func run() async throws {
        var failures: [String] = []
        let checks: [(String, @Sendable () async throws -> Void)] = [
            ("config errors name the field", checkConfigErrorsNameTheField),
            ("offered messages are committed", checkOfferedMessagesAreCommitted),
            ("nothing moves without a commit; a restart re-delivers", checkFailedCommitRedelivers),
            ("refused input is counted", checkRefusalsAreCounted),
        ]
        for (name, check) in checks {
            do {
                try await check()
            } catch {
                failures.append("\(name): \(redacted("\(error)"))")
            }
        }
        do {
            try checkNoSecretInLogs()
        } catch {
            failures.append("no secret in logs: \(error)")
        }
        if !failures.isEmpty { throw ConformanceFailure(adapter: Harness.Adapter.kind, failures: failures) }
    }

    // MARK: - Checks

    /// The valid config is accepted; without a required key, with an unknown key, or with
    /// each of the harness's invalid changes, it is refused naming the key.
    public func checkConfigErrorsNameTheField() async throws {
        let valid = try await harness.config()
        if case .failure(let errors) = build(valid, sink: ConformanceSink()) {
            throw ConformanceFailure.single("the harness's valid config is refused: \(errors)")
        }
        var cases: [(lines: [ConfigLine], names: String)] = []
        for field in Harness.Adapter.configSpec.fields where field.required && valid.contains(where: { $0.key == field.name }) {
            cases.append((valid.filter { $0.key != field.name }, field.name))
        }
        cases.append((valid + [ConfigLine("conformance_unknown_key", "1")], "conformance_unknown_key"))
        for invalid in harness.invalidConfigs {
            var lines = valid.filter { invalid.changes[$0.key] == nil }
            for (key, value) in invalid.changes.sorted(by: { $0.key < $1.key }) {
                if let value { lines.append(ConfigLine(key, value)) }
            }
            cases.append((lines, invalid.names))
        }
        for (lines, field) in cases {
            switch build(lines, sink: ConformanceSink()) {
            case .success:
                throw ConformanceFailure.single("a config that should fail naming '\(field)' was accepted:\n\(Self.yaml(lines))")
            case .failure(let errors):
                let path = "channels[\(Self.channelId)].\(field)"
                guard errors.errors.contains(where: { $0.path == path || $0.path.hasPrefix(path + ".") || $0.message.contains("'\(field)'") }) else {
                    throw ConformanceFailure.single("the error for a bad '\(field)' does not name it: \(errors)")
                }
            }
        }
    }

    /// Offered messages are committed.
    public func checkOfferedMessagesAreCommitted() async throws {
        let sink = ConformanceSink()
        let adapter = try await makeAdapter(sink: sink)
        try await withRunning(adapter) { adapter in
            let keys = try await harness.offer(3, to: adapter)
            guard await sink.wait(timeout: harness.deliveryTimeout, until: { Set($0.committedKeys).isSuperset(of: keys) }) else {
                throw ConformanceFailure.single("offered \(keys), committed \(sink.committedKeys) within \(harness.deliveryTimeout)")
            }
        }
    }

    /// While the log cannot commit, nothing is stored and the checkpoint stays; after a
    /// restart with a working log, every offered message arrives.
    public func checkFailedCommitRedelivers() async throws {
        let sink = ConformanceSink()
        sink.setFailing(true)
        let first = try await makeAdapter(sink: sink)
        let keys = try await withRunning(first) { adapter in
            let keys = try await harness.offer(3, to: adapter)
            guard await sink.wait(timeout: harness.deliveryTimeout, until: { $0.attemptedKeys.isSuperset(of: keys) }) else {
                throw ConformanceFailure.single(
                    "offered \(keys) but the adapter submitted only \(sink.attemptedKeys.sorted()) within \(harness.deliveryTimeout)"
                )
            }
            return keys
        }
        guard sink.checkpoint == nil, sink.committedKeys.isEmpty else {
            throw ConformanceFailure.single("a failed commit moved something: checkpoint \(sink.checkpoint ?? "nil"), stored \(sink.committedKeys)")
        }
        sink.setFailing(false)
        let second = try await makeAdapter(sink: sink)
        try await withRunning(second) { adapter in
            try await harness.redeliverUnaccepted(to: adapter)
            guard await sink.wait(timeout: harness.deliveryTimeout, until: { Set($0.committedKeys).isSuperset(of: keys) }) else {
                let missing = Set(keys).subtracting(sink.committedKeys).sorted()
                throw ConformanceFailure.single("after a failed commit and a restart, never delivered: \(missing)")
            }
        }
    }

    /// Refused input shows in `listening_post_rejected_total{channel}`; a pull adapter
    /// (one without endpoints) reports `listening_post_channel_up` 1 while it works.
    public func checkRefusalsAreCounted() async throws {
        let sink = ConformanceSink()
        let adapter = try await makeAdapter(sink: sink)
        try await withRunning(adapter) { adapter in
            try await harness.offerInvalid(to: adapter)
            let deadline = ContinuousClock.now + harness.deliveryTimeout
            while rejectedCount() == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            guard rejectedCount() > 0 else {
                throw ConformanceFailure.single("invalid input was not counted in listening_post_rejected_total{channel=\"\(Self.channelId)\"}")
            }
            if adapter.endpoints.isEmpty {
                let up = metrics.recorders(label: "listening_post_channel_up", dimensions: [("channel", Self.channelId)])
                guard up.contains(where: { $0.values.contains(1) }) else {
                    throw ConformanceFailure.single("a pull adapter must report listening_post_channel_up 1 once it reaches its source")
                }
            }
        }
    }

    /// No secret of the harness appears in anything the adapter logged or threw.
    public func checkNoSecretInLogs() throws {
        let leaks = (log.all + runErrors.all).filter { line in harness.secrets.contains { !$0.isEmpty && line.contains($0) } }
        if !leaks.isEmpty {
            throw ConformanceFailure.single("\(leaks.count) log line(s) or error(s) contain a secret, e.g. \(redacted(leaks[0]))")
        }
    }

    // MARK: - Running

    private func rejectedCount() -> Int64 {
        metrics.counters(label: "listening_post_rejected_total").filter { counter in
            counter.dimensions.contains { $0 == ("channel", Self.channelId) }
        }.reduce(0) { $0 + ($1.lastValue ?? 0) }
    }

    private func makeAdapter(sink: ConformanceSink) async throws -> Harness.Adapter {
        switch build(try await harness.config(), sink: sink) {
        case .success(let adapter): return adapter
        case .failure(let errors): throw ConformanceFailure.single("the harness's valid config is refused: \(errors)")
        }
    }

    private func build(_ lines: [ConfigLine], sink: ConformanceSink) -> Result<Harness.Adapter, ConfigErrors> {
        let registry = AdapterRegistry([Harness.Adapter.self])
        let logger = log.logger(label: "conformance")
        let metrics = self.metrics
        do {
            let config = try ConfigLoader(registry: registry, environment: [:]).load(text: Self.yaml(lines))
            let channels = try ChannelAssembly.instantiate(config, registry: registry) { declaration in
                var channelLogger = logger
                channelLogger[metadataKey: "channel"] = "\(declaration.id)"
                return AdapterContext(
                    channel: declaration.identity,
                    logger: channelLogger,
                    metrics: ChannelMetrics(channel: declaration.id, factory: metrics),
                    sink: sink
                )
            }
            guard let adapter = channels.first?.adapter as? Harness.Adapter else {
                return .failure(ConfigErrors([ConfigError(path: "channels", position: nil, message: "no adapter was built")]))
            }
            return .success(adapter)
        } catch {
            return .failure(error)
        }
    }

    static func yaml(_ lines: [ConfigLine]) -> String {
        "channels:\n  - id: \(channelId)\n    type: \(Harness.Adapter.kind)\n" + lines.map { "    \($0.key): \($0.value)\n" }.joined()
    }

    /// Runs the adapter as the gateway's supervisor does (again after a throw) while
    /// `body` runs, then shuts it down gracefully and checks it returned in time.
    private func withRunning<T: Sendable>(
        _ adapter: Harness.Adapter,
        _ body: @escaping @Sendable (Harness.Adapter) async throws -> T
    ) async throws -> T {
        let stopping = StopFlag()
        let runErrors = self.runErrors
        let bound = shutdownBound
        return try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    var failedWhileStopping = false
                    while true {
                        do {
                            try await adapter.run()
                            guard stopping.isSet else { throw ConformanceFailure.single("run() returned before graceful shutdown") }
                            return nil
                        } catch let failure as ConformanceFailure {
                            throw failure
                        } catch {
                            runErrors.append("\(error)")
                            // A failure racing the shutdown is logged by the gateway and is
                            // fine; but a run started after it must return, not throw.
                            if stopping.isSet {
                                if failedWhileStopping { throw ConformanceFailure.single("run() threw on graceful shutdown: \(error)") }
                                failedWhileStopping = true
                                continue
                            }
                            try await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
                let result: T
                do {
                    result = try await body(adapter)
                } catch {
                    stopping.set()
                    trigger.triggerGracefulShutdown()
                    group.cancelAll()
                    throw error
                }
                stopping.set()
                let started = ContinuousClock.now
                trigger.triggerGracefulShutdown()
                group.addTask {
                    try await Task.sleep(for: bound)
                    throw ConformanceFailure.single("run() did not return within \(bound) of graceful shutdown")
                }
                _ = try await group.next()
                group.cancelAll()
                let took = ContinuousClock.now - started
                if took > bound { throw ConformanceFailure.single("run() took \(took) to return after graceful shutdown; the bound is \(bound)") }
                return result
            }
        }
    }

    private func redacted(_ text: String) -> String {
        harness.secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "<secret>") }
    }
}

/// Which conformance checks an adapter failed, and why.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// The adapter's kind.
    public var adapter: String
    /// One line per failed check.
    public var failures: [String]

    static func single(_ message: String) -> ConformanceFailure { ConformanceFailure(adapter: "", failures: [message]) }

    public var description: String {
        adapter.isEmpty ? failures.joined(separator: "; ") : "adapter '\(adapter)' fails conformance:\n- " + failures.joined(separator: "\n- ")
    }
}

/// Set once when graceful shutdown begins.
private final class StopFlag: Sendable {
    private let state = Mutex(false)
    var isSet: Bool { state.withLock { $0 } }
    func set() { state.withLock { $0 = true } }
}
