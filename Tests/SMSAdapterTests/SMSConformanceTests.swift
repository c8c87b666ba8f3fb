import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing

@testable import SMSAdapter

/// The SMS channel passes the shared adapter conformance suite, as Twilio calls it.
struct SMSConformanceTests {
    @Test func smsAdapterConforms() async throws {
        try await AdapterConformance(TwilioHarness()).run()
    }
}

/// Twilio's inbound-message webhook: a signed form POST per SMS.
struct TwilioHarness: ConformanceHarness {
    typealias Adapter = SMSAdapter
    static let authToken = "twilio-conformance-auth-token-0001"
    static let publicURL = "https://sms.example.com/hooks/twilio"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("provider", "twilio"),
            ConfigLine("path", "/hooks/twilio"),
            ConfigLine("twilio", "{auth_token: \(Self.authToken), public_url: \"\(Self.publicURL)\"}"),
        ]
    }

    var secrets: [String] { [Self.authToken] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["provider": "carrier-pigeon"], names: "provider"),
            InvalidConfig(["twilio": "{public_url: \"\(Self.publicURL)\"}"], names: "twilio.auth_token"),
            InvalidConfig(["twilio": "{auth_token: x, public_url: sms.example.com/hooks}"], names: "twilio.public_url"),
        ]
    }

    func offer(_ count: Int, to adapter: SMSAdapter) async throws -> [String] {
        var keys: [String] = []
        for index in 0..<count {
            let sid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            try await push.send(request(sid: sid, body: "Score \(index % 11), thanks"), to: adapter)
            keys.append(sid)
        }
        return keys
    }

    func offerInvalid(to adapter: SMSAdapter) async throws {
        var forged = request(sid: "SMforged", body: "forged")
        forged.head.headerFields[HTTPField.Name("X-Twilio-Signature")!] = "AAAAAAAAAAAAAAAAAAAAAAAAAAA="
        let response = try await push.send(forged, to: adapter)
        #expect(response.status == .forbidden || response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: SMSAdapter) async throws {
        try await push.redeliver(to: adapter)
    }

    private func request(sid: String, body: String) -> InboundHTTPRequest {
        let parameters: [(name: String, value: String)] = [
            ("MessageSid", sid), ("SmsSid", sid), ("AccountSid", "AC0123456789abcdef0123456789abcdef"),
            ("From", "+12125550123"), ("To", "+14155550100"), ("Body", body), ("NumMedia", "0"), ("NumSegments", "1"),
        ]
        let form = parameters.map { "\(Self.formEncode($0.name))=\(Self.formEncode($0.value))" }.joined(separator: "&")
        var head = HTTPRequest(method: .post, scheme: "https", authority: "sms.example.com", path: "/hooks/twilio")
        head.headerFields[.contentType] = "application/x-www-form-urlencoded"
        head.headerFields[HTTPField.Name("X-Twilio-Signature")!] = TwilioSignature.sign(
            url: Self.publicURL,
            parameters: parameters,
            authToken: Self.authToken
        )
        return InboundHTTPRequest(head: head, body: Array(form.utf8))
    }

    private static func formEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text).replacingOccurrences(of: "%20", with: "+")
    }
}
