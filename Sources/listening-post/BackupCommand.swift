import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostStore
import Logging

/// `listening-post backup --to FILE`: a consistent copy of the log while the gateway runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the log (store.path) to a new file, consistently, while the gateway runs."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The file to write; it must not exist.")
    var to: String

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        try Self.refusePostgres(config, "backup")
        do {
            let report = try await LogBackup.backup(directory: config.store.dataDirectory, to: to, logger: Logger(label: "listening-post.backup"))
            print("backed up \(report.events) events (\(report.bytes) bytes) to \(to) in \(String(format: "%.2f", report.seconds)) s; checked: ok")
        } catch {
            FileHandle.standardError.write(Data("listening-post: backup failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension BackupCommand {
    /// These commands copy the SQLite file; a PostgreSQL log is backed up by the database's
    /// own tools, which see every gateway's writes.
    static func refusePostgres(_ config: GatewayConfig, _ verb: String) throws {
        guard let postgres = config.store.postgres else { return }
        FileHandle.standardError.write(
            Data(
                "listening-post: \(verb) works on the SQLite log; this config uses PostgreSQL (\(postgres.redactedURL)): use pg_dump / pg_restore or your database's backups (docs/scaling.md)\n"
                    .utf8
            )
        )
        throw ExitCode(2)
    }
}

/// `listening-post restore --from FILE`: put a backup in place, with no gateway running.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the log (store.path) with a backup; the gateway must be stopped. The old log is kept beside it."
    )

    @OptionGroup var options: ConfigOption

    @Option(help: "The backup file to restore.")
    var from: String

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        try BackupCommand.refusePostgres(config, "restore")
        do {
            let events = try await LogBackup.restore(
                from: from,
                directory: config.store.dataDirectory,
                logger: Logger(label: "listening-post.restore")
            )
            print("restored \(events) events from \(from) into \(config.store.dataDirectory); start the gateway to resume from them")
        } catch {
            FileHandle.standardError.write(Data("listening-post: restore failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
