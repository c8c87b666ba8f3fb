import Foundation
import ListeningPostCore
import ListeningPostKit
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Re-reads `channels.yaml` on SIGHUP (which `listening-post reload` sends) and applies it
/// with ``Gateway/reload(to:)``. The file is validated completely first, exactly as
/// `check` validates it, in the gateway's own environment (its `${VAR}` secrets): a file
/// with any problem changes nothing and is logged line by line as `file:line:column`.
///
/// Each attempt's outcome is written to `last-reload.json` in the data directory, which is
/// how the `reload` command reports back, and counted in
/// `listening_post_config_reloads_total{result}`.
public final class ConfigReloader: Service, Sendable {
    let gateway: Gateway
    let file: String
    let loader: ConfigLoader
    let redactor: SecretRedactor
    let logger: Logger
    private let attempts = Mutex(0)
    private let applied: Counter
    private let rejected: Counter
    private let lastSuccessful: Gauge
    private let generation: Gauge

    /// Creates a reloader for the config file the gateway started from.
    /// - Parameter redactor: the log's redactor; the new file's secrets are added to it.
    public init(gateway: Gateway, file: String, redactor: SecretRedactor, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.gateway = gateway
        self.file = file
        self.loader = ConfigLoader(registry: gateway.registry, environment: environment)
        self.redactor = redactor
        self.logger = gateway.logger
        self.applied = Counter(label: "listening_post_config_reloads_total", dimensions: [("result", "applied")], factory: gateway.metricsFactory)
        self.rejected = Counter(label: "listening_post_config_reloads_total", dimensions: [("result", "rejected")], factory: gateway.metricsFactory)
        self.lastSuccessful = Gauge(label: "listening_post_config_last_reload_successful", factory: gateway.metricsFactory)
        self.generation = Gauge(label: "listening_post_config_generation", factory: gateway.metricsFactory)
        lastSuccessful.record(1)
        generation.record(Double(gateway.generation.number))
    }

    /// Where the outcome of the last attempt is written.
    public static func statusFile(dataDirectory: String) -> String {
        (dataDirectory as NSString).appendingPathComponent("last-reload.json")
    }

    public func run() async throws {
        logger.info("reloading \(file) on SIGHUP (listening-post reload)")
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                _ = await self.reload(reason: "SIGHUP")
            }
        }
    }

    /// One attempt: load, validate, apply. Returns whether the file was applied.
    @discardableResult
    public func reload(reason: String) async -> Bool {
        let attempt = attempts.withLock { attempt in
            attempt += 1
            return attempt
        }
        let config: GatewayConfig
        do {
            config = try loader.load(file: file)
        } catch {
            return reject(error, attempt: attempt, reason: reason)
        }
        redactor.register(config.secrets.map(\.value))
        let report: ReloadReport
        do {
            report = try await gateway.reload(to: config)
        } catch {
            return reject(ConfigFileError(file: file, errors: config.warnings + error.errors), attempt: attempt, reason: reason)
        }
        let warnings =
            config.warnings.map { ConfigFileError.line(file: file, $0) }
            + report.needsRestart.map { "\(file): `\($0)` changed; it is read only at start and takes effect at the next restart" }
        logger.notice("config reloaded (\(reason)): \(report.summary)")
        for warning in warnings { logger.warning("\(warning)") }
        applied.increment()
        lastSuccessful.record(1)
        generation.record(Double(report.generation))
        writeStatus([
            "attempt": .number(Double(attempt)), "result": "applied", "generation": .number(Double(report.generation)),
            "summary": .string(report.summary), "warnings": .array(warnings.map { .string(redactor.redact($0)) }),
            "added": .array(report.added.map(JSONValue.string)), "removed": .array(report.removed.map(JSONValue.string)),
            "restarted": .array(report.restarted.map(JSONValue.string)), "unchanged": .array(report.unchanged.map(JSONValue.string)),
        ])
        return true
    }

    private func reject(_ error: ConfigFileError, attempt: Int, reason: String) -> Bool {
        let lines = error.lines.map(redactor.redact)
        let count = error.errors.filter { !$0.isWarning }.count
        logger.error("config NOT reloaded (\(reason)): \(count) problem\(count == 1 ? "" : "s") in \(file); nothing was changed")
        for line in lines { logger.error("\(line)") }
        rejected.increment()
        lastSuccessful.record(0)
        writeStatus([
            "attempt": .number(Double(attempt)), "result": "rejected", "generation": .number(Double(gateway.generation.number)),
            "problems": .array(lines.map(JSONValue.string)), "count": .number(Double(count)),
        ])
        return false
    }

    /// Written whole to a temporary file and renamed, so the `reload` command never reads
    /// half of it.
    private func writeStatus(_ fields: [String: JSONValue]) {
        var fields = fields
        fields["at"] = .string(RFC3339.string(from: Date()))
        fields["file"] = .string(file)
        let path = Self.statusFile(dataDirectory: gateway.config.store.dataDirectory)
        let temporary = path + ".tmp"
        do {
            try Data(JSONValue.object(fields).compactJSON()).write(to: URL(fileURLWithPath: temporary))
        } catch {
            logger.warning("could not write \(temporary): \(error)")
            return
        }
        if rename(temporary, path) != 0 { logger.warning("could not write \(path): \(String(cString: strerror(errno)))") }
    }
}
