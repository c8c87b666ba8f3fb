import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// `listening-post reload` against the running binary while a client keeps posting to a
/// channel that every reload leaves alone: a bad file changes nothing and says where each
/// problem is; good files add, restart and remove channels and switch routes, segments,
/// customers, case rules, subscribers and operators; the untouched channel never answers
/// anything but 202, and every acknowledged message and every checkpoint survives.
@Suite struct ConfigReloadTests {
    static let operatorToken = "operator-token-0123456789"
    static let newReaderToken = "second-reader-0123456789"

    /// The parts of the config each step changes.
    struct Variant {
        var tickerLabel = "one"
        var extraChannel = false
        var vipRoute = false
        var secondReader = false
        var firstReader = true
        var caseRule = false
        var annInline = false
        var sseHeartbeat = "15s"
        var broken = ""
    }

    static func write(_ variant: Variant, directory: String) throws -> String {
        let path = directory + "/channels.yaml"
        var text = """
            server:
              port: 0
              sse_heartbeat: \(variant.sseHeartbeat)
            store:
              path: \(directory)/data
            channels:
              - id: form
                type: webhook
                path: /hooks/form
                insecure: true
                mapping: {dedup_key: /id, text: /text, author_email: /email, score: /score}
              - id: ticker
                type: exec
                command: \(directory)/ticker.sh
                env: {LABEL: \(variant.tickerLabel), OUT: \(directory)}

            """
        if variant.extraChannel {
            text += """
                  - id: extra
                    type: webhook
                    path: /hooks/extra
                    insecure: true
                    mapping: {dedup_key: /id, text: /text}

                """
        }
        text += variant.broken
        if variant.annInline {
            text += """
                customers:
                  inline:
                    - {id: cus_ann, emails: [ann@example.com], attributes: {tier: gold}}
                segments:
                  - {name: gold, when: {attribute: {tier: gold}}}

                """
        }
        if variant.vipRoute {
            text += """
                streams: [vip]
                routes:
                  - {name: gold-to-vip, when: {segment: gold}, to: vip}

                """
        }
        if variant.caseRule {
            text += """
                cases:
                  rules:
                    - {name: detractor-follow-up, when: {feedback: detractor}, first_response: 3h}

                """
        }
        text += "subscribers:\n"
        if variant.firstReader { text += "  - {name: checker, token: \(GatewayHarness.readerToken), streams: \"*\"}\n" }
        if variant.secondReader { text += "  - {name: second, token: \(newReaderToken), streams: \"*\"}\n" }
        if !variant.firstReader && !variant.secondReader { text += "  []\n" }
        text += "operators:\n  - {name: desk, token: \(operatorToken), scopes: [cases]}\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// An exec plugin that records each hello (its checkpoint) and sends ticks numbered
    /// after it, one checkpoint per tick.
    static func writeTicker(directory: String) throws {
        let script = directory + "/ticker.sh"
        try """
        #!/usr/bin/env bash
        IFS= read -r hello || exit 0
        printf '%s\\n' "$hello" >> "$OUT/hellos"
        start=$(printf '%s' "$hello" | sed -n 's/.*"checkpoint":"\\([0-9]*\\)".*/\\1/p')
        start=${start:-0}
        for i in $(seq $((start + 1)) $((start + 40))); do
          printf '{"v":1,"type":"message","dedupKey":"tick-%d","text":"tick %d %s","checkpoint":"%d"}\\n' "$i" "$i" "$LABEL" "$i"
          sleep 0.02
        done
        while IFS= read -r reply; do :; done
        """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
    }

    static func reload(_ config: String) throws -> BootstrapCheckTests.Run {
        try BootstrapCheckTests.run(["reload", "--config", config, "--timeout", "20"])
    }

    static func metric(_ port: Int, _ name: String) async throws -> Double? {
        let body = try await GatewayHarness.get(port, "/metrics", token: nil).body
        let line = body.split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test func reloadUnderLoadAppliesEachChangeAndLosesNothing() async throws {
        let directory = try ExecPluginTests.workspace("reload")
        try Self.writeTicker(directory: directory)
        var variant = Variant()
        let config = try Self.write(variant, directory: directory)
        let gateway = try await GatewayProcess.start(config: config, logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        let port = gateway.port
        try await ExecPluginTests.waitUntil(head: 40, port: port, stream: "ticker")

        // A subscriber reading `form` all along, with the token step 4 revokes.
        let watched = Task { () -> [String] in
            var request = HTTPClientRequestBuilder.get(port, "/v1/streams/form/events?after=0", token: GatewayHarness.readerToken)
            request.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            var parser = ServerSentEventParser()
            var offsets: [String] = []
            for try await chunk in response.body { offsets += parser.feed(chunk.readableBytesView).map(\.lastEventId) }
            return offsets
        }

        // The load: posts to `form`, which no step changes, for as long as the steps take.
        let tally = Tally()
        // Four clients at once, each posting one request after another.
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<4 {
                    group.addTask {
                        var index = 0
                        while !tally.stopped {
                            index += 1
                            let key = "load-\(client)-\(index)"
                            let status =
                                (try? await GatewayHarness.post(
                                    port,
                                    "/hooks/form",
                                    body: GatewayHarness.json(["id": .string(key), "text": "hello"])
                                ).status) ?? -1
                            tally.record(key, status: status)
                        }
                    }
                }
            }
        }

        // 1. A file with a problem of each kind changes nothing, and says where each is.
        variant.broken = """
              - id: broken
                type: carrier-pigeon
              - id: clash
                type: webhook
                path: /hooks/form
                insecure: true
            routes:
              - {name: nowhere, when: {sentiment: angry}, to: nowhere}

            """
        _ = try Self.write(variant, directory: directory)
        var run = try Self.reload(config)
        #expect(run.status == 2, "\(run.stderr)")
        #expect(run.stderr.contains("channels.yaml:17:11: channels[2].type: unknown channel type 'carrier-pigeon'"), "\(run.stderr)")
        #expect(run.stderr.contains("channels.yaml:23:28: routes[nowhere].when.sentiment: unknown condition 'sentiment'"), "\(run.stderr)")
        #expect(run.stderr.contains("channels.yaml:23:51: routes[0].to: unknown stream 'nowhere'"), "\(run.stderr)")
        #expect(
            run.stderr.contains("channels.yaml: 3 problems; nothing was changed (still generation 1)"),
            "warnings are not problems: \(run.stderr)"
        )
        #expect(try await Self.metric(port, "listening_post_config_last_reload_successful") == 0)
        // An endpoint clash is found only once the adapters are built: still nothing changes.
        variant.broken = """
              - id: clash
                type: webhook
                path: /hooks/form
                insecure: true

            """
        _ = try Self.write(variant, directory: directory)
        run = try Self.reload(config)
        #expect(run.status == 2 && run.stderr.contains("POST /hooks/form is already served by channel 'form'"), "\(run.stderr)")
        #expect(try await GatewayHarness.post(port, "/hooks/clash", body: GatewayHarness.json(["id": "x"])).status == 404)

        // 2. Add a channel, a segment and its customer, a route, a case rule and a subscriber.
        variant.broken = ""
        variant.extraChannel = true
        variant.annInline = true
        variant.vipRoute = true
        variant.caseRule = true
        variant.secondReader = true
        _ = try Self.write(variant, directory: directory)
        run = try Self.reload(config)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("reloaded (generation 2: added extra; 2 channels unchanged)"), "\(run.stdout)")
        #expect(try await GatewayHarness.post(port, "/hooks/extra", body: GatewayHarness.json(["id": "e1", "text": "new channel"])).status == 202)
        let gold = try await GatewayHarness.post(
            port,
            "/hooks/form",
            body: GatewayHarness.json(["id": "ann-1", "text": "awful", "email": "ann@example.com", "score": 2])
        )
        #expect(gold.status == 202)
        let vip = try await GatewayHarness.readEvents(port, stream: "vip", query: "?after=0", count: 1, token: Self.newReaderToken)
        let routed = try MessageEvent.decode(Array(try #require(vip.first).data.utf8))
        #expect(routed.data.customer?.id == "cus_ann" && routed.data.segment == "gold", "the new customer and segment")
        let cases = try await GatewayHarness.get(port, "/v1/cases", token: Self.operatorToken)
        #expect(cases.status == 200 && cases.body.contains("detractor-follow-up"), "the new case rule opened a case: \(cases.body)")

        // 3. Change the exec channel: it restarts from its committed checkpoint.
        let ticksBefore = try await CrashSafetyTests.head(port: port, stream: "ticker")
        variant.tickerLabel = "two"
        _ = try Self.write(variant, directory: directory)
        run = try Self.reload(config)
        #expect(run.status == 0 && run.stdout.contains("restarted ticker"), "\(run.stdout) \(run.stderr)")
        try await ExecPluginTests.waitUntil(head: ticksBefore + 40, port: port, stream: "ticker")
        let hellos = try String(contentsOfFile: directory + "/hellos", encoding: .utf8).split(separator: "\n")
        try #require(hellos.count == 2, "one hello per start: \(hellos)")
        #expect(hellos[1].contains("\"checkpoint\":\"\(ticksBefore)\""), "the restarted plugin resumes after the last committed tick: \(hellos[1])")
        let ticks = try await ExecPluginTests.storedKeys(port: port, stream: "ticker")
        #expect(ticks == (1...Int(ticksBefore) + 40).map { "tick-\($0)" }, "each tick stored once, in order")

        // 4. Remove the channel and the first subscriber; a `server` change waits for a restart.
        variant.extraChannel = false
        variant.firstReader = false
        variant.sseHeartbeat = "5s"
        _ = try Self.write(variant, directory: directory)
        run = try Self.reload(config)
        #expect(run.status == 0 && run.stdout.contains("removed extra"), "\(run.stdout)")
        #expect(run.stderr.contains("`server` changed; it is read only at start"), "\(run.stderr)")
        #expect(try await GatewayHarness.post(port, "/hooks/extra", body: GatewayHarness.json(["id": "e2"])).status == 404)
        #expect(try await GatewayHarness.get(port, "/v1/streams").status == 401, "the removed token no longer reads")
        #expect(try await GatewayHarness.get(port, "/v1/streams", token: Self.newReaderToken).status == 200)
        let seen = try await watched.value
        #expect(
            !seen.isEmpty && seen == (1...seen.count).map(String.init),
            "the revoked subscriber's stream ran gapless through three reloads, then ended"
        )

        try await Task.sleep(for: .milliseconds(300))
        tally.stop()
        await load.value
        let counts = tally.statuses
        #expect(counts.keys.sorted() == [202], "the untouched channel answered 202 to every request: \(counts)")
        let formHead = Int(try await CrashSafetyTests.head(port: port, stream: "form", token: Self.newReaderToken))
        let events = try await GatewayHarness.readEvents(port, stream: "form", query: "?after=0", count: formHead, token: Self.newReaderToken)
        #expect(events.map { $0.lastEventId } == (1...formHead).map(String.init), "offsets are gapless")
        let keys = try events.map { try MessageEvent.decode(Array($0.data.utf8)).data.dedupKey }
        let sent = tally.acknowledged
        #expect(sent.count > 40, "the load ran through the reloads")
        let stored = keys.filter { $0.hasPrefix("load-") }
        #expect(stored.count == sent.count && Set(stored) == Set(sent), "every acknowledged request stored exactly once")
        #expect(try await Self.metric(port, "listening_post_config_generation") == 4)
        let metrics = try await GatewayHarness.get(port, "/metrics", token: nil).body
        #expect(metrics.contains("listening_post_config_reloads_total{result=\"rejected\"} 2"))
        #expect(metrics.contains("listening_post_config_reloads_total{result=\"applied\"} 3"))
        let log = try String(contentsOfFile: directory + "/gateway.log", encoding: .utf8)
        #expect(log.contains("config NOT reloaded (SIGHUP): 3 problems"), "the log says it too")
        #expect(log.components(separatedBy: "webhook listening on POST /hooks/form").count == 2, "the untouched channel started once")
        #expect(
            try String(contentsOfFile: directory + "/hellos", encoding: .utf8).split(separator: "\n").count == 2,
            "the plugin started twice: at start and when changed"
        )
    }

    @Test func reloadWithoutARunningGatewaySaysSo() throws {
        let directory = try ExecPluginTests.workspace("reload-none")
        let config = try ExecPluginTests.config(directory, channel: "  - {id: form, type: webhook, path: /hooks/form, insecure: true}")
        let run = try Self.reload(config)
        #expect(run.status == 1)
        #expect(run.stderr == "listening-post reload: no gateway is running on \(directory)/data (nothing holds \(directory)/data/LOCK)\n")
    }
}

/// What the load clients were answered.
private final class Tally: Sendable {
    private struct State {
        var statuses: [Int: Int] = [:]
        var acknowledged: [String] = []
        var stopped = false
    }
    private let state = Mutex(State())
    var statuses: [Int: Int] { state.withLock { $0.statuses } }
    var acknowledged: [String] { state.withLock { $0.acknowledged } }
    var stopped: Bool { state.withLock { $0.stopped } }
    func stop() { state.withLock { $0.stopped = true } }
    func record(_ key: String, status: Int) {
        state.withLock { state in
            state.statuses[status, default: 0] += 1
            if status == 202 { state.acknowledged.append(key) }
        }
    }
}
