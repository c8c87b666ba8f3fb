import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing
import WebhookAdapter

/// The webhook channel passes the shared adapter conformance suite.
struct WebhookConformanceTests {
    @Test func webhookAdapterConforms() async throws {
        try await AdapterConformance(WebhookHarness()).run()
    }
}

/// Standard Webhooks-signed JSON posts, as a survey tool sends them.
struct WebhookHarness: ConformanceHarness {
    typealias Adapter = WebhookAdapter
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("path", "/hooks/conformance"),
            ConfigLine("signature", "{scheme: standard_webhooks, secret: \"\(Self.secret)\"}"),
            ConfigLine("mapping", "{text: /text, author_email: /email}"),
        ]
    }

    var secrets: [String] { [Self.secret, String(Self.secret.dropFirst("whsec_".count))] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["path": "hooks/no-slash"], names: "path"),
            InvalidConfig(["signature": nil], names: "signature"),
            InvalidConfig(["signature": "{scheme: standard_webhooks, secret: not-a-whsec-secret}"], names: "signature.secret"),
            InvalidConfig(["mapping": "{text: no-leading-slash}"], names: "mapping.text"),
        ]
    }

    func offer(_ count: Int, to adapter: WebhookAdapter) async throws -> [String] {
        var keys: [String] = []
        for index in 0..<count {
            let id = "msg_\(UUID().uuidString)"
            try await push.send(request(id: id, body: #"{"text":"answer \#(index)","email":"ann@example.com"}"#), to: adapter)
            keys.append(id)
        }
        return keys
    }

    func offerInvalid(to adapter: WebhookAdapter) async throws {
        var forged = request(id: "msg_forged", body: #"{"text":"forged"}"#)
        forged.head.headerFields[HTTPField.Name("webhook-signature")!] = "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        let response = try await push.send(forged, to: adapter)
        #expect(response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: WebhookAdapter) async throws {
        try await push.redeliver(to: adapter)
    }

    private func request(id: String, body: String) -> InboundHTTPRequest {
        let timestamp = Int(Date().timeIntervalSince1970)
        let signature = try! StandardWebhooks(secrets: [Self.secret]).signature(id: id, timestamp: timestamp, body: Array(body.utf8))
        var head = HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/hooks/conformance")
        head.headerFields[.contentType] = "application/json"
        head.headerFields[HTTPField.Name("webhook-id")!] = id
        head.headerFields[HTTPField.Name("webhook-timestamp")!] = String(timestamp)
        head.headerFields[HTTPField.Name("webhook-signature")!] = signature
        return InboundHTTPRequest(head: head, body: Array(body.utf8))
    }
}
