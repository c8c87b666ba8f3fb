import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import Synchronization
import Testing
import TestSupport

/// Gateway processes on one real PostgreSQL, treated as an operator's fleet is: paused,
/// killed with `kill -9` at random under load, their database restarted. What must hold:
/// each exclusive source runs on one gateway at a time (and a gateway that lost its lease
/// commits nothing for it), every acknowledged message is stored once, and every stream's
/// offsets stay 1…head, seen in order by a subscriber of any surviving gateway.
@Suite(.serialized) struct SharedLogFailoverTests {
    /// A pull channel of its own making: an exec plugin that ticks ten times a second, each
    /// message keyed by the gateway that runs it (`LP_TEST_GATEWAY`), so the log tells whose
    /// commits are whose.
    static let ticker = """
        #!/bin/bash
        n=${LISTENING_POST_CHECKPOINT:-0}
        cat > /dev/null &
        while true; do
          n=$((n + 1))
          printf '{"v":1,"type":"message","dedupKey":"%s-%d","text":"tick %d from %s","checkpoint":"%d"}\\n' "$LP_TEST_GATEWAY" "$n" "$n" "$LP_TEST_GATEWAY" "$n"
          sleep 0.1
        done
        """

    /// One gateway's config: its own data directory, the shared database, and `channels`.
    static func config(_ directory: String, gateway: String, url: String, channels: String) throws -> String {
        let path = "\(directory)/\(gateway).yaml"
        try """
            server:
              port: 0
            store:
              kind: postgres
              path: \(directory)/data-\(gateway)
              postgres:
                url: \(url)
                pool_size: 5
                lease_ttl: 3s
            channels:
            \(channels)
            subscribers:
              - name: checker
                token: \(GatewayHarness.readerToken)
                streams: "*"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// What `/readyz` says of one lease: `held`, `standby`, or `nil` (not asked for, or no answer).
    static func lease(_ name: String, on port: Int) async -> String? {
        guard let answer = try? await GatewayHarness.get(port, "/readyz", token: nil),
            let leases = (try? JSONValue.parse(Array(answer.body.utf8)))?.objectValue?["leases"]?.objectValue?["leases"]?.objectValue
        else { return nil }
        return leases[name]?.objectValue?["status"]?.stringValue
    }

    static func waitFor(_ what: String, within limit: Duration = .seconds(20), _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw GatewayProcess.Failure(description: "\(what) did not happen within \(limit)")
    }

    static func count(_ sql: String, _ database: String) -> Int {
        Int(PostgresFixture.shared.psql(sql, database: database)) ?? -1
    }

    /// Streams whose offsets are not exactly 1…head (the primary key rules out repeats).
    static func streamsWithHoles(_ database: String) -> String {
        PostgresFixture.shared.psql(
            "SELECT coalesce(string_agg(stream, ','), '') FROM (SELECT stream FROM stream_entries GROUP BY stream HAVING count(*) <> max(\"offset\") OR min(\"offset\") <> 1) s",
            database: database)
    }

    @Test func aGatewayPausedPastItsLeaseCommitsNothingForThatSourceAfterAnotherTookOver() async throws {
        let url = PostgresFixture.shared.freshDatabase("paused")
        let database = PostgresFixture.database(of: url)
        let directory = try ExecPluginTests.workspace("paused")
        try Self.ticker.write(toFile: "\(directory)/ticker.sh", atomically: true, encoding: .utf8)
        let channels = """
              - id: ticker
                type: exec
                command: bash
                args: [\(directory)/ticker.sh]
                inherit_env: [PATH, LP_TEST_GATEWAY]
            """
        let a = try await GatewayProcess.start(
            config: try Self.config(directory, gateway: "a", url: url, channels: channels), logFile: "\(directory)/a.log", environment: ["LP_TEST_GATEWAY": "A"])
        defer { a.signal(SIGCONT); a.signal(SIGKILL) }
        try await Self.waitFor("gateway A taking the ticker's lease") { await Self.lease("channel:ticker", on: a.port) == "held" }
        let b = try await GatewayProcess.start(
            config: try Self.config(directory, gateway: "b", url: url, channels: channels), logFile: "\(directory)/b.log", environment: ["LP_TEST_GATEWAY": "B"])
        defer { b.signal(SIGKILL) }
        try await Self.waitFor("gateway B standing by") { await Self.lease("channel:ticker", on: b.port) == "standby" }
        try await Self.waitFor("A's first ticks") { Self.count("SELECT count(*) FROM events WHERE dedup_key LIKE 'A-%'", database) >= 5 }
        #expect(Self.count("SELECT count(*) FROM events WHERE dedup_key LIKE 'B-%'", database) == 0, "one gateway at a time runs the source")

        // A is paused past its TTL; B takes over and ticks on from A's last checkpoint.
        a.signal(SIGSTOP)
        try await Self.waitFor("B taking the lease over") { await Self.lease("channel:ticker", on: b.port) == "held" }
        try await Self.waitFor("B's first ticks") { Self.count("SELECT count(*) FROM events WHERE dedup_key LIKE 'B-%'", database) >= 5 }
        let fromA = Self.count("SELECT count(*) FROM events WHERE dedup_key LIKE 'A-%'", database)

        // A wakes with ticks read from its plugin's pipe meanwhile, and a lease it believes in.
        a.signal(SIGCONT)
        try await Self.waitFor("A noticing its lease moved on") { await Self.lease("channel:ticker", on: a.port) == "standby" }
        try await Task.sleep(for: .seconds(2))
        #expect(Self.count("SELECT count(*) FROM events WHERE dedup_key LIKE 'A-%'", database) == fromA, "A committed ticks after B took over")
        let log = (try? String(contentsOfFile: "\(directory)/a.log", encoding: .utf8)) ?? ""
        #expect(log.contains("lease lost"), "A's log says it stopped: \(log.suffix(2_000))")
        #expect(Self.streamsWithHoles(database) == "")
        let ticks = Self.count("SELECT count(*) FROM events", database)
        try await Self.waitFor("B ticking on") { Self.count("SELECT count(*) FROM events", database) > ticks + 5 }
    }
}
