import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostPostgres
import ListeningPostStore
import Logging
import Metrics

/// `listening-post check`: everything `serve` would verify, without starting anything.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a config; print each problem as file:line:column: message."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        let redactor = SecretRedactor(redacting: config.secrets)
        do {
            _ = try ChannelAssembly.instantiate(config, registry: .builtin) { declaration in
                AdapterContext(
                    channel: declaration.identity,
                    logger: Logger(label: "check", factory: { _ in SwiftLogNoOpLogHandler() }),
                    metrics: ChannelMetrics(channel: declaration.id, factory: NOOPMetricsHandler.instance),
                    sink: InertSink()
                )
            }
        } catch {
            ConfigReport.printErrors(ConfigFileError(file: options.config, errors: config.warnings + error.errors), redactor: redactor)
            throw ExitCode(2)
        }
        for warning in config.warnings {
            FileHandle.standardError.write(Data((ConfigFileError.line(file: options.config, warning) + "\n").utf8))
        }
        var store = ""
        if let postgres = config.store.postgres {
            // The shared log must be reachable, and at a schema this binary can use.
            do {
                let versions = try await PostgresDatabaseCheck.versions(postgres)
                guard versions.database <= versions.binary else {
                    FileHandle.standardError.write(
                        Data(
                            "\(options.config): store.postgres: the database's schema is version \(versions.database), newer than this listening-post knows (\(versions.binary)); run the newer binary\n"
                                .utf8
                        )
                    )
                    throw ExitCode(2)
                }
                store =
                    versions.database == versions.binary
                    ? "; PostgreSQL reachable, schema version \(versions.database)"
                    : "; PostgreSQL reachable, schema version \(versions.database), migrated to \(versions.binary) at start or by `listening-post migrate`"
            } catch let error as EventLogError {
                FileHandle.standardError.write(Data("\(options.config): store.postgres: \(redactor.redact(error.description))\n".utf8))
                throw ExitCode(1)
            }
        }
        print("\(options.config): OK (\(config.channels.count) channel\(config.channels.count == 1 ? "" : "s")\(store))")
    }
}

/// Loading and printing config problems the same way for every command.
enum ConfigReport {
    static func load(_ file: String) throws -> GatewayConfig {
        do {
            return try ConfigLoader(registry: .builtin).load(file: file)
        } catch {
            printErrors(error, redactor: nil)
            throw ExitCode(2)
        }
    }

    static func printErrors(_ error: ConfigFileError, redactor: SecretRedactor?) {
        let count = error.errors.filter { !$0.isWarning }.count
        var text = error.lines.map { redactor?.redact($0) ?? $0 }.joined(separator: "\n")
        text += "\n\(error.file): \(count) problem\(count == 1 ? "" : "s"); nothing was started\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
