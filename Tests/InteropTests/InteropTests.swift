import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import SMSAdapter
import Testing
import WebhookAdapter

/// Requests signed by each provider's own SDK must be accepted, and the same requests
/// with one thing changed must not. Inputs are random and include the characters the
/// schemes treat specially (`&`, `=`, `+`, spaces, non-ASCII, repeated names), so a scheme
/// implemented wrongly on both sides of a fixture cannot pass here.
@Suite(.serialized) struct InteropTests {
    static let clockNow: TimeInterval = 1_800_000_000

    static func endpoint(_ adapter: any ChannelAdapter.Type, _ yaml: String, sink: RecordingSink) throws -> (any ChannelAdapter) {
        let registry = AdapterRegistry([adapter])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: "channels:\n  - id: c\n    type: \(adapter.kind)\n" + yaml)
        return try ChannelAssembly.instantiate(config, registry: registry) {
            .testing(channel: $0.identity, sink: sink, clock: ManualClock(now: Date(timeIntervalSince1970: clockNow)))
        }[0].adapter
    }

    static func randomText() -> String {
        let alphabet = Array("abcXYZ 019&=+%/?#é€😀-_.~'\"")
        return String((0..<Int.random(in: 1...24)).map { _ in alphabet.randomElement()! })
    }

    static func formEncode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    @Test func twilioSDKSignaturesAreAccepted() async throws {
        let token = "tok-" + UUID().uuidString
        var cases: [[(String, String)]] = []
        var requests: [JSONValue] = []
        for index in 0..<20 {
            var pairs: [(String, String)] = [
                ("MessageSid", "SM\(index)\(UUID().uuidString.prefix(8))"), ("From", "+1212555\(String(format: "%04d", index))"),
                ("Body", Self.randomText()),
            ]
            for _ in 0..<Int.random(in: 0...4) { pairs.append(("X" + String(Self.randomText().filter(\.isLetter).prefix(6)), Self.randomText())) }
            if index % 3 == 0 {
                pairs.append(("Repeat", "b"))
                pairs.append(("Repeat", "a"))
                pairs.append(("Repeat", "a"))
            }
            cases.append(pairs)
            requests.append([
                "scheme": "twilio", "token": .string(token), "url": "https://sms.example.com/hooks/twilio?account=main",
                "params": .array(pairs.map { [.string($0.0), .string($0.1)] }),
            ])
        }
        let signatures = try await ProviderSDK.sign(requests)
        let sink = RecordingSink()
        let adapter = try Self.endpoint(
            SMSAdapter.self,
            "    provider: twilio\n    path: /hooks/twilio\n    twilio:\n      auth_token: \(token)\n      public_url: https://sms.example.com/hooks/twilio\n",
            sink: sink
        )
        let endpoint = adapter.endpoints.first { $0.method == .post }!
        for (pairs, answer) in zip(cases, signatures) {
            let signature = try #require(answer.objectValue?["signature"]?.stringValue)
            let body = Array(Self.formEncode(pairs).utf8)
            func send(_ body: [UInt8], _ signature: String) async -> Int {
                let head = HTTPRequest(
                    method: .post,
                    scheme: "http",
                    authority: "gateway",
                    path: "/hooks/twilio?account=main",
                    headerFields: [.contentType: "application/x-www-form-urlencoded", HTTPField.Name("X-Twilio-Signature")!: signature]
                )
                return await endpoint.handler(InboundHTTPRequest(head: head, body: body)).status.code
            }
            #expect(await send(body, signature) == 200, "\(pairs)")
            #expect(await send(body + Array("&Extra=1".utf8), signature) == 401, "an added parameter must break the signature")
        }
        #expect(sink.messages.count == cases.count)
    }

    @Test(arguments: ["md5hash", "md5", "sha1", "sha256", "sha512"])
    func vonageSDKSignaturesAreAccepted(_ method: String) async throws {
        let secret = "sec-" + UUID().uuidString
        var cases: [[String: String]] = []
        for index in 0..<10 {
            var fields = [
                "msisdn": "4477009\(String(format: "%05d", index))", "to": "447700900000",
                "messageId": "0A\(method)\(index)\(UUID().uuidString.prefix(6))",
                "text": Self.randomText(), "type": "text", "timestamp": String(Int(Self.clockNow) - 30), "nonce": UUID().uuidString,
            ]
            fields["keyword"] = Self.randomText()
            cases.append(fields)
        }
        let answers = try await ProviderSDK.sign(
            cases.map { ["scheme": "vonage", "method": .string(method), "secret": .string(secret), "params": .object($0.mapValues { .string($0) })] }
        )
        let sink = RecordingSink()
        let adapter = try Self.endpoint(
            SMSAdapter.self,
            "    provider: vonage\n    path: /hooks/vonage\n    vonage:\n      signature_secret: \(secret)\n      signature_method: \(method)\n",
            sink: sink
        )
        let endpoint = adapter.endpoints.first { $0.method == .post }!
        for (fields, answer) in zip(cases, answers) {
            let sig = try #require(answer.objectValue?["sig"]?.stringValue)
            func send(_ fields: [String: String]) async -> Int {
                let head = HTTPRequest(
                    method: .post,
                    scheme: "http",
                    authority: "gateway",
                    path: "/hooks/vonage",
                    headerFields: [.contentType: "application/x-www-form-urlencoded"]
                )
                return await endpoint.handler(InboundHTTPRequest(head: head, body: Array(Self.formEncode(fields.sorted { $0.key < $1.key }).utf8)))
                    .status.code
            }
            #expect(await send(fields.merging(["sig": sig]) { $1 }) == 200, "\(fields)")
            #expect(await send(fields.merging(["sig": sig, "text": fields["text"]! + "!"]) { $1 }) == 401)
        }
        #expect(sink.messages.count == cases.count)
    }

    @Test func standardWebhooksSDKSignaturesAreAccepted() async throws {
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var bodies: [(id: String, body: String)] = []
        for index in 0..<20 {
            let text = Self.randomText().replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "'")
            bodies.append(("msg_\(index)_\(UUID().uuidString.prefix(8))", #"{"text":"\#(text)","email":"c\#(index)@example.com"}"#))
        }
        let stamp = Int(Self.clockNow) - 10
        let answers = try await ProviderSDK.sign(
            bodies.map {
                [
                    "scheme": "standardwebhooks", "secret": .string(secret), "id": .string($0.id), "timestamp": .number(Double(stamp)),
                    "body": .string($0.body),
                ]
            }
        )
        let sink = RecordingSink()
        let adapter = try Self.endpoint(
            WebhookAdapter.self,
            "    path: /hooks/in\n    signature:\n      scheme: standard_webhooks\n      secret: \(secret)\n",
            sink: sink
        )
        let endpoint = adapter.endpoints[0]
        for (request, answer) in zip(bodies, answers) {
            let signature = try #require(answer.objectValue?["signature"]?.stringValue)
            func send(_ body: String) async -> Int {
                let head = HTTPRequest(
                    method: .post,
                    scheme: "http",
                    authority: "gateway",
                    path: "/hooks/in",
                    headerFields: [
                        .contentType: "application/json", HTTPField.Name("webhook-id")!: request.id,
                        HTTPField.Name("webhook-timestamp")!: String(stamp), HTTPField.Name("webhook-signature")!: signature,
                    ]
                )
                return await endpoint.handler(InboundHTTPRequest(head: head, body: Array(body.utf8))).status.code
            }
            #expect(await send(request.body) == 202, "\(request.body)")
            #expect(await send(request.body + " ") == 401)
        }
        #expect(sink.messages.count == bodies.count)
    }
}
