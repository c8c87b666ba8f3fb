import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

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
            database: database
        )
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
            config: try Self.config(directory, gateway: "a", url: url, channels: channels),
            logFile: "\(directory)/a.log",
            environment: ["LP_TEST_GATEWAY": "A"]
        )
        defer {
            a.signal(SIGCONT)
            a.signal(SIGKILL)
        }
        try await Self.waitFor("gateway A taking the ticker's lease") { await Self.lease("channel:ticker", on: a.port) == "held" }
        let b = try await GatewayProcess.start(
            config: try Self.config(directory, gateway: "b", url: url, channels: channels),
            logFile: "\(directory)/b.log",
            environment: ["LP_TEST_GATEWAY": "B"]
        )
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

    /// Webhooks and Twilio SMS, unsigned for the test.
    static let pushChannels = """
          - id: load
            type: webhook
            path: /hooks/load
            insecure: true
            mapping:
              dedup_key: /key
          - id: sms
            type: sms
            provider: twilio
            path: /hooks/sms
            insecure: true
        """

    /// Posts message `key` to `port`: a webhook, or every third one a Twilio SMS. Returns the
    /// status (0: no answer) and, for a stored webhook, the event id.
    static func deliver(_ key: String, to port: Int) async -> (status: Int, id: String?) {
        let index = Int(key.split(separator: "-").last ?? "") ?? 0
        do {
            if index.isMultiple(of: 3) {
                let form = "MessageSid=SM\(key)&From=%2B15555550\(100 + index % 800)&To=%2B15555550000&Body=message+\(key)"
                let answer = try await GatewayHarness.post(
                    port,
                    "/hooks/sms",
                    body: Array(form.utf8),
                    headers: [("Content-Type", "application/x-www-form-urlencoded")]
                )
                return (answer.status, nil)
            }
            let answer = try await GatewayHarness.post(
                port,
                "/hooks/load",
                body: GatewayHarness.json(["key": .string(key), "text": .string("message \(key)")])
            )
            return (answer.status, answer.json?.objectValue?["id"]?.stringValue)
        } catch {
            return (0, nil)
        }
    }

    /// The id of every event stored on `channels`, by dedup key, read from the database.
    static func storedIds(_ server: PostgresFixture, _ database: String, channels: [String] = ["load", "sms"]) -> [String: String] {
        var stored: [String: String] = [:]
        let list = channels.map { "'\($0)'" }.joined(separator: ", ")
        for line in server.psql("SELECT dedup_key || ' ' || id FROM events WHERE channel IN (\(list))", database: database).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { stored[String(parts[0])] = String(parts[1]) }
        }
        return stored
    }

    /// The acknowledged keys not stored, or stored under another id than acknowledged (an
    /// SMS's key is its MessageSid, `SM` + the key; its acknowledgement carries no id).
    static func acknowledgedButNotStored(_ acknowledged: [String: String], _ stored: [String: String]) -> [String] {
        acknowledged.filter { key, id in
            let storedId = stored[key] ?? stored["SM\(key)"]
            return storedId == nil || (!id.isEmpty && storedId != id)
        }.keys.sorted()
    }

    /// Gateway processes by slot, restarted after each kill.
    final class Fleet: Sendable {
        private let running: Mutex<[GatewayProcess?]>
        init(_ gateways: [GatewayProcess]) { running = Mutex(gateways) }
        var ports: [Int] { running.withLock { $0.compactMap { $0?.port } } }
        func port(_ slot: Int) -> Int? { running.withLock { $0[slot]?.port } }
        func take(_ slot: Int) -> GatewayProcess? {
            running.withLock { running in
                defer { running[slot] = nil }
                return running[slot]
            }
        }
        func put(_ gateway: GatewayProcess, at slot: Int) { running.withLock { $0[slot] = gateway } }
        func killAll() { running.withLock { for gateway in $0 { gateway?.signal(SIGKILL) } } }
    }

    /// What subscribers of one gateway received, read as it arrives.
    final class Subscription: Sendable {
        private let received = Mutex<[ServerSentEventParser.Event]>([])
        var events: [ServerSentEventParser.Event] { received.withLock { $0 } }

        private let reconnected = Mutex(0)
        var reconnects: Int { reconnected.withLock { $0 } }

        /// Follows the stream as an SSE client does: after a dropped connection it resumes
        /// with `Last-Event-ID`, which must give every event once and in order all the same.
        func follow(port: Int, stream: String) async {
            while !Task.isCancelled {
                var request = HTTPClientRequestBuilder.get(port, "/v1/streams/\(stream)/events", token: GatewayHarness.readerToken)
                request.headers.add(name: "Accept", value: "text/event-stream")
                request.headers.add(name: "Last-Event-ID", value: received.withLock { $0.last?.lastEventId ?? "0" })
                // The deadline covers the whole response, so it is the test's length.
                if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(600)) {
                    var parser = ServerSentEventParser()
                    do {
                        for try await chunk in response.body {
                            let events = parser.feed(chunk.readableBytesView).filter { !$0.data.isEmpty }
                            received.withLock { $0 += events }
                        }
                    } catch {}
                }
                if Task.isCancelled { return }
                reconnected.withLock { $0 += 1 }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    @Test func threeGatewaysKilledAtRandomUnderLoadStoreEveryAcknowledgedMessageOnceWithWholeOffsets() async throws {
        let url = PostgresFixture.shared.freshDatabase("chaos")
        let database = PostgresFixture.database(of: url)
        let directory = try ExecPluginTests.workspace("chaos")
        let dovecot = DovecotFixture.shared
        let mail = """
              - id: mail
                type: imap
                url: imap://127.0.0.1:\(dovecot.port)/INBOX
                username: failover
                password: failover-pw
                tls: none
                insecure: true
                poll_interval: 1s
            """
        // g0, never killed, takes webhooks and SMS and serves the subscriber; the mailbox
        // runs on g1 or g2, so every kill of its holder moves it.
        let configs = try (0..<3).map {
            try Self.config(directory, gateway: "g\($0)", url: url, channels: Self.pushChannels + ($0 == 0 ? "" : "\n" + mail))
        }
        let restarts = Shared(0)
        let start: @Sendable (Int) async throws -> GatewayProcess = { slot in
            let number = restarts.withLock {
                $0 += 1
                return $0
            }
            return try await GatewayProcess.start(config: configs[slot], logFile: "\(directory)/g\(slot)-\(number).log")
        }
        // g1 first, so it takes the mailbox.
        let g1 = try await start(1)
        try await Self.waitFor("g1 taking the mailbox") { await Self.lease("channel:mail", on: g1.port) == "held" }
        let fleet = Fleet([try await start(0), g1, try await start(2)])
        defer { fleet.killAll() }
        let subscription = Subscription()
        let following = Task { await subscription.follow(port: fleet.port(0)!, stream: "all") }
        defer { following.cancel() }

        let load = LoadRecord()
        let delivered = Shared<[String]>([])
        let kills = Shared(0)
        let mailboxKills = Shared(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Four clients: enough to keep three gateways busy, not so many that the suites
            // running beside this one starve on two cores.
            for worker in 0..<4 {
                group.addTask {
                    var index = 0
                    while !load.stopped {
                        index += 1
                        let key = "w\(worker)-\(index)"
                        let ports = fleet.ports
                        guard let port = ports.randomElement() else { continue }
                        load.attempt(key)
                        var answer = await Self.deliver(key, to: port)
                        // One in five is delivered again, to another gateway: a provider retrying.
                        if Int.random(in: 0..<5) == 0, let other = ports.filter({ $0 != port }).randomElement() {
                            let again = await Self.deliver(key, to: other)
                            if answer.status == 0 || answer.status >= 300 {
                                answer = again
                            } else if let id = answer.id, let otherId = again.id {
                                #expect(id == otherId, "a redelivery got a different event id")
                            }
                        }
                        if (200..<300).contains(answer.status) { load.ack(key, answer.id ?? "") }
                    }
                }
            }
            group.addTask {
                for number in 0..<30 {
                    try dovecot.deliver(to: "failover", messageId: "failover-\(number)@example.com", subject: "Mail \(number)")
                    delivered.withLock { $0.append("failover-\(number)@example.com") }
                    try await Task.sleep(for: .seconds(1.8))
                }
            }
            group.addTask {
                let end = ContinuousClock.now + .seconds(60)
                while ContinuousClock.now < end {
                    try await Task.sleep(for: .seconds(Double.random(in: 3...5)))
                    // Every other kill, the mailbox's gateway; the rest, g1 or g2 at random.
                    var slot = Int.random(in: 1...2)
                    if kills.withLock({ $0.isMultiple(of: 2) }) {
                        for candidate in 1...2 {
                            if let port = fleet.port(candidate), await Self.lease("channel:mail", on: port) == "held" { slot = candidate }
                        }
                    }
                    if let port = fleet.port(slot), await Self.lease("channel:mail", on: port) == "held" { mailboxKills.withLock { $0 += 1 } }
                    guard let victim = fleet.take(slot) else { continue }
                    victim.signal(SIGKILL)
                    _ = await victim.waitForExit()
                    kills.withLock { $0 += 1 }
                    fleet.put(try await start(slot), at: slot)
                }
                load.stop()
            }
            try await group.waitForAll()
        }

        // Every acknowledged message is stored once, under the id it was acknowledged with.
        let acknowledged = load.acknowledged
        #expect(kills.withLock { $0 } >= 10)
        #expect(mailboxKills.withLock { $0 } >= 5, "the mailbox's gateway was killed \(mailboxKills.withLock { $0 }) times")
        #expect(acknowledged.count >= 500, "only \(acknowledged.count) messages were acknowledged")
        let stored = Self.storedIds(PostgresFixture.shared, database)
        let lost = Self.acknowledgedButNotStored(acknowledged, stored)
        #expect(lost.isEmpty, "acknowledged but not stored as acknowledged: \(lost.prefix(10))")
        #expect(Set(stored.keys).isSubset(of: Set(load.attempted.flatMap { [$0, "SM\($0)"] })), "something never sent was stored")
        #expect(Self.streamsWithHoles(database) == "", "offsets skip in some streams")

        // The mailbox, passed between gateways at every kill, is imported exactly once.
        let messageIds = delivered.withLock { $0 }
        try await Self.waitFor("the last mail's import", within: .seconds(30)) {
            Self.count("SELECT count(*) FROM events WHERE channel = 'mail'", database) >= messageIds.count
        }
        try await Task.sleep(for: .seconds(2))
        #expect(Self.count("SELECT count(*) FROM events WHERE channel = 'mail'", database) == messageIds.count)
        for id in messageIds {
            #expect(
                Self.count("SELECT count(*) FROM events WHERE channel = 'mail' AND convert_from(payload, 'UTF8') LIKE '%\(id)%'", database) == 1,
                "\(id)"
            )
        }

        // g0's subscriber saw every event of `all`, in order, once.
        let head = Int64(Self.count("SELECT head FROM stream_heads WHERE stream = 'all'", database))
        try? await Self.waitFor("g0's subscriber reaching the head", within: .seconds(30)) { subscription.events.count >= Int(head) }
        let ids = subscription.events.map(\.lastEventId)
        let firstWrong = zip(ids, (1...head).map(String.init)).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            ids.count == Int(head) && firstWrong == nil,
            "g0's subscriber got \(ids.count) of \(head) events, ending \(ids.suffix(3)), reconnecting \(subscription.reconnects) times; first out of order: \(String(describing: firstWrong))"
        )
    }

    @Test func postgresRestartedUnderLoadRefusesWith503LosesNothingAndTheGatewaysRecover() async throws {
        let server = PostgresFixture.restartable
        let url = server.freshDatabase("restart")
        let database = PostgresFixture.database(of: url)
        let directory = try ExecPluginTests.workspace("pg-restart")
        let gateways = [
            try await GatewayProcess.start(
                config: try Self.config(directory, gateway: "a", url: url, channels: Self.pushChannels),
                logFile: "\(directory)/a.log"
            ),
            try await GatewayProcess.start(
                config: try Self.config(directory, gateway: "b", url: url, channels: Self.pushChannels),
                logFile: "\(directory)/b.log"
            ),
        ]
        defer { for gateway in gateways { gateway.signal(SIGKILL) } }
        let load = LoadRecord()
        let statuses = Shared<[Int: Int]>([:])
        let acknowledgedAfterRestart = Shared(0)
        let restarted = Shared(false)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<6 {
                group.addTask {
                    var index = 0
                    while !load.stopped {
                        index += 1
                        let key = "w\(worker)-\(index)"
                        load.attempt(key)
                        let answer = await Self.deliver(key, to: gateways[index % 2].port)
                        statuses.withLock { $0[answer.status, default: 0] += 1 }
                        if (200..<300).contains(answer.status) {
                            load.ack(key, answer.id ?? "")
                            if restarted.withLock({ $0 }) { acknowledgedAfterRestart.withLock { $0 += 1 } }
                        } else {
                            try await Task.sleep(for: .milliseconds(100))
                        }
                    }
                }
            }
            group.addTask {
                try await Task.sleep(for: .seconds(3))
                server.stop()
                try await Task.sleep(for: .seconds(6))
                server.start()
                restarted.withLock { $0 = true }
                // The gateways reconnect by themselves: acknowledgements resume.
                try await Self.waitFor("acknowledgements after the restart", within: .seconds(30)) { acknowledgedAfterRestart.withLock { $0 } >= 50 }
                load.stop()
            }
            try await group.waitForAll()
        }
        let seen = statuses.withLock { $0 }
        #expect(seen[503, default: 0] > 0, "requests during the outage were refused with 503: \(seen)")
        #expect(Set(seen.keys).isSubset(of: [200, 202, 503]), "only stored or refused: \(seen)")
        let lost = Self.acknowledgedButNotStored(load.acknowledged, Self.storedIds(server, database))
        #expect(lost.isEmpty, "acknowledged but not stored: \(lost.prefix(10))")
        #expect(
            server.psql(
                "SELECT coalesce(string_agg(stream, ','), '') FROM (SELECT stream FROM stream_entries GROUP BY stream HAVING count(*) <> max(\"offset\")) s",
                database: database
            ) == ""
        )
        for gateway in gateways {
            try await Self.waitFor("gateway on \(gateway.port) ready again") {
                (try? await GatewayHarness.get(gateway.port, "/readyz", token: nil).status) == 200
            }
        }
    }
}

/// A value several test tasks update.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ value: Value) { self.value = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}
