import DiscourseAdapter
import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing

/// The Discourse channel passes the shared adapter conformance suite, as a forum's
/// webhook calls it.
struct DiscourseConformanceTests {
    @Test func discourseAdapterConforms() async throws {
        try await AdapterConformance(DiscourseHarness()).run()
    }
}

/// A forum posting signed `post_created` webhooks.
struct DiscourseHarness: ConformanceHarness {
    typealias Adapter = DiscourseAdapter
    static let secret = "forum-conformance-secret-0001"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [ConfigLine("base_url", "https://forum.example.com"), ConfigLine("webhook", "{path: /hooks/discourse, secret: \(Self.secret)}")]
    }

    var secrets: [String] { [Self.secret] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["base_url": "forum.example.com"], names: "base_url"),
            InvalidConfig(["webhook": "{path: /hooks/discourse, secret: short}"], names: "webhook.secret"),
            InvalidConfig(["webhook": "{path: /hooks/discourse}"], names: "webhook.secret"),
        ]
    }

    func offer(_ count: Int, to adapter: DiscourseAdapter) async throws -> [String] {
        var keys: [String] = []
        for _ in 0..<count {
            let id = Int.random(in: 1_000_000...999_999_999)
            try await push.send(request(post: id, signedWith: Self.secret), to: adapter)
            keys.append("post:\(id)")
        }
        return keys
    }

    func offerInvalid(to adapter: DiscourseAdapter) async throws {
        let response = try await push.send(request(post: 1, signedWith: "not-the-forum-secret"), to: adapter)
        #expect(response.status == .unauthorized || response.status == .forbidden)
    }

    func redeliverUnaccepted(to adapter: DiscourseAdapter) async throws {
        try await push.redeliver(to: adapter)
    }

    private func request(post id: Int, signedWith secret: String) -> InboundHTTPRequest {
        let body = Array(
            #"{"post":{"id":\#(id),"username":"ana_l","name":"Ana Lima","created_at":"2026-11-20T10:15:02.123Z","raw":"Post \#(id)","cooked":"<p>Post \#(id)</p>","post_number":3,"topic_id":311,"topic_title":"CSV export","topic_slug":"csv-export"}}"#
                .utf8
        )
        var head = HTTPRequest(method: .post, scheme: "https", authority: "gateway", path: "/hooks/discourse")
        head.headerFields[.contentType] = "application/json"
        head.headerFields[HTTPField.Name("X-Discourse-Instance")!] = "https://forum.example.com"
        head.headerFields[HTTPField.Name("X-Discourse-Event-Type")!] = "post"
        head.headerFields[HTTPField.Name("X-Discourse-Event")!] = "post_created"
        head.headerFields[HTTPField.Name("X-Discourse-Event-Signature")!] = "sha256=" + HMACSignature.sha256Hex(secret: secret, body: body)
        return InboundHTTPRequest(head: head, body: body)
    }
}
