import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostPostgres
import ListeningPostStore
import Logging

/// `listening-post migrate`: apply the PostgreSQL log's schema migrations before starting
/// the gateways (each gateway also applies them at start, under the same lock).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the PostgreSQL log's schema (store.kind: postgres) to this binary's version."
    )

    @OptionGroup var options: ConfigOption

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        guard let postgres = config.store.postgres else {
            print("\(options.config): the SQLite log migrates itself when the gateway opens it; nothing to do")
            return
        }
        do {
            let (from, to) = try await PostgresDatabaseCheck.migrate(postgres, logger: Logger(label: "listening-post.migrate"))
            print(
                from == to
                    ? "\(postgres.redactedURL): schema already at version \(to)"
                    : "\(postgres.redactedURL): schema migrated from version \(from) to \(to)"
            )
        } catch {
            FileHandle.standardError.write(Data("listening-post: migrate failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
