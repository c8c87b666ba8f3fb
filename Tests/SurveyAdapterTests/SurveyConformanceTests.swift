import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing

@testable import SurveyAdapter

/// The survey channel passes the shared conformance suite, like every built-in.
struct SurveyConformanceTests {
    @Test func surveyAdapterConforms() async throws {
        try await AdapterConformance(SurveyHarness()).run()
    }
}

/// Typeform delivering one signed response per offer.
struct SurveyHarness: ConformanceHarness {
    typealias Adapter = SurveyAdapter
    static let secret = "typeform-conformance-secret-01"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("provider", "typeform"), ConfigLine("path", "/hooks/typeform"), ConfigLine("secret", Self.secret),
            ConfigLine("nps_question", "nps"),
        ]
    }

    var secrets: [String] { [Self.secret] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["provider": "qualtrics"], names: "provider"),
            InvalidConfig(["nps_question": nil], names: "nps_question"),
            InvalidConfig(["secret": nil], names: "secret"),
            InvalidConfig(["path": "hooks"], names: "path"),
        ]
    }

    static func request(token: String, score: Int, secret: String = secret) -> InboundHTTPRequest {
        let body = Array(
            #"{"event_type":"form_response","form_response":{"form_id":"f1","token":"\#(token)","answers":[{"type":"number","number":\#(score),"field":{"id":"x","type":"nps","ref":"nps"}}]}}"#
                .utf8
        )
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[HTTPField.Name("Typeform-Signature")!] = "sha256=" + SurveySignature.typeformSignature(secret: secret, body: body)
        return InboundHTTPRequest(
            head: HTTPRequest(method: .post, scheme: "https", authority: "gateway", path: "/hooks/typeform", headerFields: fields),
            body: body
        )
    }

    func offer(_ count: Int, to adapter: SurveyAdapter) async throws -> [String] {
        var keys: [String] = []
        for index in 0..<count {
            let token = UUID().uuidString.lowercased()
            try await push.send(Self.request(token: token, score: index % 11), to: adapter)
            keys.append("typeform:\(token)")
        }
        return keys
    }

    func offerInvalid(to adapter: SurveyAdapter) async throws {
        let response = try await push.send(Self.request(token: "forged", score: 10, secret: "someone-elses-secret"), to: adapter)
        #expect(response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: SurveyAdapter) async throws {
        // Typeform retries a delivery that was not answered 2xx.
        try await push.redeliver(to: adapter)
    }
}
