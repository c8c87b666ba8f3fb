import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import NIOCore
import Synchronization
import TestSupport
import Testing

/// `kill -9` in the middle of a burst of sends to an SMS gateway that sometimes stalls
/// past the send timeout. The gateway honours `Idempotency-Key` as a provider that has one
/// does: a key it has seen is answered from its records, not sent again. After the
/// restart every accepted message is delivered, each exactly once. The one message handed
/// over when the gateway died is dead-lettered `in_doubt` (the outbox cannot know whether
/// it arrived); re-driven, it carries the same key, so the provider does not send it twice.
@Suite(.serialized) struct OutboxBurstCrashTests {
    static let senderToken = "outbox-burst-token-0123"

    final class StallingGateway: Sendable {
        struct State {
            var delivered: [String: String] = [:]  // key → to
            var repeats = 0
            var requests = 0
            /// Requests being held right now.
            var stalling = 0
        }
        let state = Mutex(State())

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/send") { request, _ -> Response in
                let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
                guard let key = request.headers[HTTPField.Name("Idempotency-Key")!],
                    let to = (try? JSONValue.parse(bytes))?.objectValue?["to"]?.stringValue
                else {
                    return Response(status: .badRequest)
                }
                let (distinct, seenBefore) = self.state.withLock { state -> (Int, Bool) in
                    state.requests += 1
                    if state.delivered[key] != nil {
                        state.repeats += 1
                        return (state.delivered.count, true)
                    }
                    state.delivered[key] = to
                    return (state.delivered.count, false)
                }
                // Two messages stall after they are accepted: the fifth past the sender's
                // timeout (so it is retried under the same key), the sixteenth long enough
                // for the test to kill the gateway while it waits: the worst case, the
                // provider has it and the outbox does not know.
                if !seenBefore, distinct == 5 || distinct == 16 {
                    self.state.withLock { $0.stalling += 1 }
                    try await Task.sleep(for: .seconds(distinct == 5 ? 6 : 10))
                    self.state.withLock { $0.stalling -= 1 }
                }
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"id":"\#(key)"}"#))
                )
            }
            return router
        }
    }

    static func config(_ directory: String, port: Int) throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: """
                  - id: texts
                    type: sms
                    provider: generic
                    path: /hooks/texts
                    insecure: true
                    generic:
                      send:
                        url: http://127.0.0.1:\(port)/send
                        fields: {to: "{{to}}", text: "{{text}}"}
                        provider_id: /id
                        timeout: 4s
                """,
            streams: "\"*\"",
            extra: """
                outbox:
                  retry_schedule: [1s, 1s, 1s]
                operators:
                  - name: mailer
                    token: \(Self.senderToken)
                    scopes: [send]
                """
        )
    }

    static func outbox(_ port: Int) async throws -> [[String: JSONValue]] {
        let list = try JSONValue.parse(Array(try await GatewayHarness.get(port, "/v1/outbox", token: Self.senderToken).body.utf8))
        guard case .array(let messages)? = list.objectValue?["messages"] else { return [] }
        return messages.compactMap(\.objectValue)
    }

    @Test func everyAcceptedSendArrivesOnceAcrossKillDashNine() async throws {
        let provider = StallingGateway()
        try await LocalServer.serve(provider.router()) { port in
            let directory = try ExecPluginTests.workspace("outbox-burst")
            let configPath = try Self.config(directory, port: port)
            let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
            var accepted: [String] = []
            for index in 0..<40 {
                let answer = try await GatewayHarness.post(
                    first.port,
                    "/v1/outbox",
                    body: GatewayHarness.json([
                        "to": ["phone": .string(String(format: "+4477009%05d", index))], "channel": "texts", "text": .string("message \(index)"),
                    ]),
                    headers: [
                        ("Content-Type", "application/json"), ("Authorization", "Bearer \(Self.senderToken)"), ("Idempotency-Key", "burst-\(index)"),
                    ]
                )
                #expect(answer.status == 202)
                if let id = answer.json?.objectValue?["id"]?.stringValue { accepted.append(id) }
            }
            // Mid-burst, while the provider holds a request it has accepted: the window.
            let deadline = ContinuousClock.now + .seconds(20)
            while provider.state.withLock({ $0.delivered.count < 16 || $0.stalling == 0 }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            first.signal(SIGKILL)
            _ = await first.waitForExit()
            let deliveredAtKill = provider.state.withLock { $0.delivered.count }
            #expect(deliveredAtKill < 40, "the kill fell inside the burst")

            let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
            defer { second.signal(SIGKILL) }
            var messages: [[String: JSONValue]] = []
            let settled = ContinuousClock.now + .seconds(60)
            repeat {
                try await Task.sleep(for: .milliseconds(100))
                messages = try await Self.outbox(second.port)
            } while messages.contains(where: { $0["state"] == "queued" || $0["state"] == "attempting" }) && ContinuousClock.now < settled
            let inDoubt = messages.filter { $0["deadReason"] == "in_doubt" }.compactMap { $0["id"]?.stringValue }
            #expect(inDoubt.count == 1, "the send in flight at the kill, and only it, is in doubt: \(inDoubt)")
            #expect(messages.filter { $0["state"] == "dead_lettered" }.count == inDoubt.count, "nothing else is given up on")
            // The operator re-drives it; the provider's idempotency makes that safe.
            for id in inDoubt {
                let redrive = try await GatewayHarness.post(
                    second.port,
                    "/v1/outbox/\(id)/redrive",
                    body: [],
                    headers: [("Authorization", "Bearer \(Self.senderToken)")]
                )
                #expect(redrive.status == 202)
                #expect(try await OutboxTwilioTests.waitFor(second.port, id, state: "sent", token: Self.senderToken)["state"] == "sent")
            }
            let final = try await Self.outbox(second.port)
            #expect(final.count == 40 && final.allSatisfy { $0["state"] == "sent" }, "every accepted message is sent")
            let delivered = provider.state.withLock { $0.delivered }
            #expect(Set(delivered.keys) == Set(accepted), "the provider has each accepted message, under its outbox id")
            #expect(Set(delivered.values).count == 40, "one delivery per recipient, none twice")
            let (repeats, requests) = provider.state.withLock { ($0.repeats, $0.requests) }
            #expect(requests == 40 + repeats, "repeated keys (timeouts retried, the re-drive) were answered from the provider's records")
        }
    }
}
