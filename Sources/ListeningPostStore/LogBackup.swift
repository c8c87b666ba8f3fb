import Foundation
import ListeningPostKit
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// `listening-post backup` and `restore`: a consistent copy of the log while the gateway
/// runs, and putting one back while it does not.
///
/// The copy is SQLite's `VACUUM INTO` on a connection of its own. It reads one snapshot of
/// the WAL-mode database, so a backup taken under load holds every event, checkpoint,
/// cursor and dead letter committed before it started and nothing half-written, while the
/// gateway keeps committing. The copy is then opened and checked (`PRAGMA integrity_check`)
/// before the command reports success.
public enum LogBackup {
    public struct Report: Sendable {
        public var events: Int
        public var bytes: Int
        public var seconds: Double
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    package static func path(_ directory: String) -> String { (directory as NSString).appendingPathComponent("events.sqlite") }

    /// Copies the log of `directory` to `destination` (which must not exist).
    public static func backup(directory: String, to destination: String, logger: Logger) async throws -> Report {
        let source = path(directory)
        guard FileManager.default.fileExists(atPath: source) else { throw Failure(description: "no log at \(source): check store.path") }
        guard !FileManager.default.fileExists(atPath: destination) else { throw Failure(description: "\(destination) exists; back up to a new file") }
        let started = ContinuousClock.now
        try await withConnection(source, logger: logger) { connection in
            _ = try await connection.query("PRAGMA busy_timeout=10000", [])
            _ = try await connection.query("VACUUM INTO ?", [.text(destination)])
        }
        let events = try await verify(destination, logger: logger)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        let elapsed = ContinuousClock.now - started
        return Report(events: events, bytes: bytes, seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// Puts a backup in place of the log of `directory`, which no gateway may be using. The
    /// log it replaces is kept beside it as `events.sqlite.replaced-<time>`.
    public static func restore(from backup: String, directory: String, logger: Logger) async throws -> Int {
        let events = try await verify(backup, logger: logger)
        let lock = try DataDirectoryLock(directory: directory)
        defer { _ = lock }
        let target = path(directory)
        let manager = FileManager.default
        if manager.fileExists(atPath: target) {
            let stamp = RFC3339Stamp.now()
            try manager.moveItem(atPath: target, toPath: target + ".replaced-\(stamp)")
            for suffix in ["-wal", "-shm"] where manager.fileExists(atPath: target + suffix) {
                try manager.moveItem(atPath: target + suffix, toPath: target + ".replaced-\(stamp)" + suffix)
            }
        }
        try manager.copyItem(atPath: backup, toPath: target)
        return events
    }

    /// Opens a copy, checks it and counts its events.
    static func verify(_ file: String, logger: Logger) async throws -> Int {
        guard FileManager.default.fileExists(atPath: file) else { throw Failure(description: "no file at \(file)") }
        return try await withConnection(file, logger: logger) { connection in
            let check = try await connection.query("PRAGMA integrity_check", []).first?.column("integrity_check")?.string
            guard check == "ok" else { throw Failure(description: "\(file) is damaged: \(check ?? "no answer")") }
            guard let count = try await connection.query("SELECT COUNT(*) AS n FROM events", []).first?.column("n")?.integer else {
                throw Failure(description: "\(file) is not a ListeningPost log")
            }
            return count
        }
    }

    package static func withConnection<T: Sendable>(_ file: String, logger: Logger, _ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: file),
            threadPool: NIOThreadPool.singleton,
            logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.any()
        )
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A file-name-safe UTC time stamp.
enum RFC3339Stamp {
    static func now() -> String {
        RFC3339.string(from: Date()).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: ".", with: "")
    }
}
