import ArgumentParser
import Foundation
import ListeningPostCore
import ListeningPostPostgres
import ListeningPostStore
import Logging

/// `listening-post copy-log`: move a gateway from its SQLite log to the PostgreSQL database
/// its config now names, keeping every offset, checkpoint and cursor.
struct CopyLogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-log",
        abstract: "Copy a stopped gateway's SQLite log into the empty PostgreSQL database of store.postgres, keeping offsets.",
        discussion: """
            Set `store.kind: postgres` in the config first, keeping `store.path` (the directory \
            with events.sqlite), then run this once with the gateway stopped. Every event keeps \
            its id and every stream entry its offset, so subscribers resume with their \
            Last-Event-ID and mailboxes at their checkpoints. See docs/scaling.md.
            """
    )

    @OptionGroup var options: ConfigOption

    @Option(name: .long, help: "The data directory holding events.sqlite (default: the config's store.path).")
    var from: String?

    func run() async throws {
        let config = try ConfigReport.load(options.config)
        guard let postgres = config.store.postgres else {
            FileHandle.standardError.write(
                Data("listening-post: \(options.config) has store.kind: sqlite; set store.kind: postgres and store.postgres first\n".utf8)
            )
            throw ExitCode(2)
        }
        let directory = from ?? config.store.dataDirectory
        do {
            let report = try await SQLiteToPostgresCopy.copy(from: directory, to: postgres, logger: Logger(label: "listening-post.copy-log"))
            print("copied \(report.events) events from \(directory) to \(postgres.redactedURL); stream heads kept:")
            for (stream, head) in report.streams.sorted(by: { $0.key < $1.key }) { print("  \(stream): \(head)") }
        } catch {
            FileHandle.standardError.write(Data("listening-post: copy-log failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
