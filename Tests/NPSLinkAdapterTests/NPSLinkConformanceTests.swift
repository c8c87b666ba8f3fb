import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import NPSLinkAdapter
import Testing

/// The template adapter passes the shared conformance suite, like every built-in.
struct NPSLinkConformanceTests {
    @Test func npsLinkAdapterConforms() async throws {
        try await AdapterConformance(NPSLinkHarness()).run()
    }
}

/// Customers clicking score links: each offer is a new recipient clicking once.
struct NPSLinkHarness: ConformanceHarness {
    typealias Adapter = NPSLinkAdapter
    static let secret = "nps-conformance-secret-0001"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [ConfigLine("path", "/nps"), ConfigLine("secret", Self.secret)]
    }

    var secrets: [String] { [Self.secret] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["path": "nps"], names: "path"),
            InvalidConfig(["secret": "short"], names: "secret"),
            InvalidConfig(["max_age": "0s"], names: "max_age"),
        ]
    }

    func offer(_ count: Int, to adapter: NPSLinkAdapter) async throws -> [String] {
        let sent = Int(Date().timeIntervalSince1970) - 60
        var keys: [String] = []
        for index in 0..<count {
            let email = "customer-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let link = NPSLinkSignature.link(base: "/nps", survey: "q4", email: email, score: index % 11, issuedAt: sent, secret: Self.secret)
            try await push.send(
                InboundHTTPRequest(head: HTTPRequest(method: .get, scheme: "https", authority: "gateway", path: link), body: []),
                to: adapter
            )
            keys.append("nps:q4:\(email):\(sent)")
        }
        return keys
    }

    func offerInvalid(to adapter: NPSLinkAdapter) async throws {
        let link = NPSLinkSignature.link(base: "/nps", survey: "q4", email: "ann@example.com", score: 10, issuedAt: 1, secret: "someone-elses-secret")
        let response = try await push.send(
            InboundHTTPRequest(head: HTTPRequest(method: .get, scheme: "https", authority: "gateway", path: link), body: []),
            to: adapter
        )
        #expect(response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: NPSLinkAdapter) async throws {
        // A customer who saw "please click again" clicks again.
        try await push.redeliver(to: adapter)
    }
}
