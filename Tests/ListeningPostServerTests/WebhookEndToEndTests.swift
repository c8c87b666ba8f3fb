import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostStore
import NIOCore
import NIOHTTP1
import Testing

/// The webhook channel over real HTTP: every bad input gets its exact answer and stores
/// nothing; a repeated delivery gets the original id.
@Suite(.serialized) struct WebhookEndToEndTests {
    static func problemType(_ json: JSONValue?) -> String? {
        json?.objectValue?["type"]?.stringValue.map { String($0.split(separator: "/").last!) }
    }

    @Test func badInputGetsExactAnswersAndNothingIsStored() async throws {
        try await GatewayHarness.withLiveGateway { gateway, port in
            let ok = try await GatewayHarness.post(port, "/hooks/survey", body: GatewayHarness.json(["response_id": "r1", "reason": "great"]))
            #expect(ok.status == 202)
            let firstId = ok.json?.objectValue?["id"]?.stringValue

            let cases: [(String, [UInt8], [(String, String)], Int, String)] = [
                ("malformed JSON", Array(#"{"response_id": "#.utf8), [("Content-Type", "application/json")], 400, "malformed-payload"),
                ("wrong content type", Array("reason=hi".utf8), [("Content-Type", "text/csv")], 415, "unsupported-media-type"),
                ("missing mapped field", GatewayHarness.json(["reason": "no id"]), [("Content-Type", "application/json")], 400, "malformed-payload"),
                (
                    "wrong type", GatewayHarness.json(["response_id": "r2", "reason": ["not", "text"]]), [("Content-Type", "application/json")], 400,
                    "malformed-payload"
                ),
                (
                    "invalid UTF-8", [0x7B, 0x22, 0x72, 0x65, 0x61, 0x73, 0x6F, 0x6E, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D],
                    [("Content-Type", "application/json")], 400, "malformed-payload"
                ),
                (
                    "over the limit", Array(repeating: UInt8(ascii: "a"), count: 70_000), [("Content-Type", "application/json")], 413,
                    "payload-too-large"
                ),
            ]
            for (name, body, headers, status, type) in cases {
                let answer = try await GatewayHarness.post(port, "/hooks/survey", body: body, headers: headers)
                #expect(answer.status == status, "\(name)")
                #expect(Self.problemType(answer.json) == type, "\(name)")
            }
            let unknown = try await GatewayHarness.post(port, "/hooks/nothing-here", body: GatewayHarness.json(["a": 1]))
            #expect(unknown.status == 404)
            #expect(Self.problemType(unknown.json) == "not-found")

            // Repeated delivery: same id back, nothing new stored.
            let again = try await GatewayHarness.post(port, "/hooks/survey", body: GatewayHarness.json(["response_id": "r1", "reason": "great"]))
            #expect(again.status == 202)
            #expect(again.json?.objectValue?["id"]?.stringValue == firstId)
            #expect(again.json?.objectValue?["duplicate"] == .bool(true))
            #expect(try await gateway.log.headOffset(stream: "all") == 1)
        }
    }

    @Test func signedChannelRejectsBadStaleAndAcceptsReplayAsDuplicate() async throws {
        try await GatewayHarness.withLiveGateway { gateway, port in
            let signer = try StandardWebhooks(secrets: [GatewayHarness.standardSecret])
            let body = GatewayHarness.json(["text": "signed hello"])
            let now = Int(Date().timeIntervalSince1970)
            func headers(id: String, timestamp: Int, signature: String? = nil) -> [(String, String)] {
                [
                    ("Content-Type", "application/json"), ("webhook-id", id), ("webhook-timestamp", String(timestamp)),
                    ("webhook-signature", signature ?? signer.signature(id: id, timestamp: timestamp, body: body)),
                ]
            }
            let bad = try await GatewayHarness.post(
                port,
                "/hooks/signed",
                body: body,
                headers: headers(id: "msg_1", timestamp: now, signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            )
            #expect(bad.status == 401)
            #expect(Self.problemType(bad.json) == "bad-signature")
            let stale = try await GatewayHarness.post(port, "/hooks/signed", body: body, headers: headers(id: "msg_1", timestamp: now - 600))
            #expect(stale.status == 401)
            #expect(try await gateway.log.headOffset(stream: "signed") == 0, "nothing is stored for a bad signature")

            let first = try await GatewayHarness.post(port, "/hooks/signed", body: body, headers: headers(id: "msg_1", timestamp: now))
            #expect(first.status == 202)
            let replay = try await GatewayHarness.post(port, "/hooks/signed", body: body, headers: headers(id: "msg_1", timestamp: now + 1))
            #expect(replay.status == 202)
            #expect(replay.json?.objectValue?["duplicate"] == .bool(true))
            #expect(replay.json?.objectValue?["id"] == first.json?.objectValue?["id"])
            #expect(try await gateway.log.headOffset(stream: "signed") == 1)
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await GatewayHarness.withLiveGateway { _, port in
            _ = try await GatewayHarness.post(port, "/hooks/survey", body: GatewayHarness.json(["response_id": "m1", "reason": "x"]))
            _ = try await GatewayHarness.post(port, "/hooks/survey", body: GatewayHarness.json(["response_id": "m1", "reason": "x"]))
            _ = try await GatewayHarness.post(port, "/hooks/survey", body: Array("{".utf8))
            #expect(try await GatewayHarness.get(port, "/healthz").status == 200)
            let ready = try await GatewayHarness.get(port, "/readyz")
            #expect(ready.status == 200)
            #expect(ready.body.contains(#""status":"ready""#))
            let metrics = try await GatewayHarness.get(port, "/metrics").body
            #expect(metrics.contains(#"listening_post_accepted_total{channel="survey"} 1"#))
            #expect(metrics.contains(#"listening_post_duplicate_total{channel="survey"} 1"#))
            #expect(metrics.contains(#"listening_post_rejected_total{channel="survey",reason="malformed"} 1"#))
            #expect(metrics.contains("listening_post_log_append_duration_seconds_bucket"))
        }
    }
}
