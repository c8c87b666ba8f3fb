import Foundation

/// A real PostgreSQL 15 for the tests, started once per test process by
/// scripts/postgres-fixture.sh (`initdb` in a directory of its own, a loopback port, SCRAM
/// passwords) and stopped when the process exits. Each test takes a database of its own.
public final class PostgresFixture: Sendable {
    public let root: String
    public let port: Int
    public let password = "fixture-pw"

    public static let shared: PostgresFixture = {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        // Dovecot takes 20_000, 30_000 and 40_000 + the same remainder.
        let fixture = PostgresFixture(root: "/tmp/lp-postgres-\(pid)", port: 50_000 + pid % 10_000)
        let status = fixture.script("start", environment: "PG_FRESH=1")
        precondition(status == 0, "scripts/postgres-fixture.sh start failed (\(status)); see \(fixture.root)/server.log")
        stopCommand = "PG_ROOT=\(fixture.root) bash \(scriptPath) stop >/dev/null 2>&1; rm -rf \(fixture.root)"
        atexit { _ = system(PostgresFixture.stopCommand) }
        return fixture
    }()

    /// A second cluster, for the tests that stop and start the server under a gateway: the
    /// shared one must stay up for every other test running meanwhile.
    public static let restartable: PostgresFixture = {
        let pid = Int(ProcessInfo.processInfo.processIdentifier)
        let fixture = PostgresFixture(root: "/tmp/lp-postgres-r-\(pid)", port: 50_000 + (pid + 5_000) % 10_000)
        let status = fixture.script("start", environment: "PG_FRESH=1")
        precondition(status == 0, "scripts/postgres-fixture.sh start failed (\(status)); see \(fixture.root)/server.log")
        restartableStopCommand = "PG_ROOT=\(fixture.root) bash \(scriptPath) stop >/dev/null 2>&1; rm -rf \(fixture.root)"
        atexit { _ = system(PostgresFixture.restartableStopCommand) }
        return fixture
    }()

    /// Stops the server (`pg_ctl stop -m fast`: clients are disconnected, as in a failover).
    public func stop() { script("stop") }

    /// Starts the stopped server again, with its data.
    public func start() {
        let status = script("start")
        precondition(status == 0, "scripts/postgres-fixture.sh start failed (\(status)); see \(root)/server.log")
    }

    nonisolated(unsafe) static var restartableStopCommand = ""
    nonisolated(unsafe) static var stopCommand = ""
    static let scriptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/postgres-fixture.sh").path

    private init(root: String, port: Int) {
        self.root = root
        self.port = port
    }

    // system(), not Process: the server the script leaves behind must not hold a pipe of
    // Foundation's (see DovecotFixture).
    @discardableResult
    private func script(_ arguments: String, environment: String = "") -> Int32 {
        system(
            "\(environment) PG_ROOT=\(root) PG_PORT=\(port) PG_PASSWORD=\(password) bash \(Self.scriptPath) \(arguments) >>/tmp/lp-postgres-fixture.log 2>&1"
        )
    }

    /// A new, empty database; returns its URL.
    public func freshDatabase(_ prefix: String = "t") -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let status = script("database \(name)")
        precondition(status == 0, "could not create database \(name)")
        return url(database: name)
    }

    /// The database a ``url(database:)`` names.
    public static func database(of url: String) -> String {
        String(url.split(separator: "/").last?.split(separator: "?").first ?? "")
    }

    public func url(database: String) -> String { "postgres://postgres:\(password)@127.0.0.1:\(port)/\(database)?sslmode=disable" }

    /// Runs SQL as the superuser (psql), returning its output: for tests that reach past the
    /// gateway (terminating its connections, reading a table).
    public func psql(_ sql: String, database: String) -> String {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-h", "127.0.0.1", "-p", "\(port)", "-U", "postgres", "-d", database, "-tAc", sql]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password]) { _, new in new }
        process.standardOutput = pipe
        process.standardError = pipe
        try? process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `sql` again and again in a shell loop of its own until the returned process is
    /// killed (SIGKILL) or this test process ends: a test's fault injector.
    public func repeatedly(every pause: Duration, _ sql: String) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        let seconds = Double(pause.components.seconds) + Double(pause.components.attoseconds) / 1e18
        // While this test process lives, whatever happens to the returned one: a test process
        // that ignores SIGTERM (for its own signal handling) passes that on, so `terminate()`
        // alone left these loops running after the tests, one per run.
        process.arguments = [
            "-c",
            "while kill -0 \(getpid()) 2>/dev/null; do psql -h 127.0.0.1 -p \(port) -U postgres -d postgres -tAqc \"$LP_SQL\" >/dev/null 2>&1; sleep \(seconds); done",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["PGPASSWORD": password, "LP_SQL": sql]) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try? process.run()
        return process
    }
}
