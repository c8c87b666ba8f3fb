import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Testing

@testable import SMSAdapter
@testable import VoiceAdapter

/// A survey call the voice channel places must be the request Twilio's own Python SDK builds
/// for the same call (`client.calls.create(to, from_, twiml)`, captured before it leaves):
/// method, URL, Basic auth, and the form (`Twiml` holding XML, quotes and `&` included)
/// byte for byte.
@Suite struct TwilioCallInteropTests {
    @Test func ourSurveyCallIsTheRequestTwiliosSDKBuilds() async throws {
        let accountSid = "AC0123456789abcdef0123456789abcdef"
        let token = "tok-" + UUID().uuidString
        let yaml = """
            channels:
              - id: hotline
                type: voice
                path: /hooks/voice
                survey: {id: hotline-nps}
                twilio:
                  auth_token: \(token)
                  public_url: https://voice.example.com/hooks/voice
                  account_sid: \(accountSid)
                  from: "+14155550100"
            """
        let registry = AdapterRegistry([VoiceAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        let channels = try ChannelAssembly.instantiate(config, registry: registry) { .testing(channel: $0.identity) }
        let adapter = try #require(channels.first?.adapter as? VoiceAdapter)
        let texts =
            ["Hello Ann, about your call last week.", "Grüße — £12 & 50% off <now> \"quoted\""] + (0..<4).map { _ in InteropTests.randomText() }
        let messages = texts.enumerated().map { OutboundMessage(id: "o\($0.offset)", to: Author(phone: "+447700900123"), text: $0.element) }
        let caller = try #require(adapter.settings.caller)
        var requests: [JSONValue] = []
        var ours: [(head: HTTPRequest, body: [UInt8])] = []
        for message in messages {
            let form = try adapter.callForm(message, from: caller.from)
            ours.append(caller.rest.request("Calls.json", form: form))
            let twiml = form.first { $0.name == "Twiml" }?.value ?? ""
            requests.append([
                "scheme": "twilio_call", "account_sid": .string(accountSid), "auth_token": .string(token), "to": "+447700900123",
                "from": "+14155550100", "twiml": .string(twiml),
            ])
        }
        for ((head, body), sdk) in zip(ours, try await ProviderSDK.sign(requests)) {
            let expected = try #require(sdk.objectValue)
            #expect(head.method.rawValue == expected["method"]?.stringValue)
            #expect("\(head.scheme ?? "")://\(head.authority ?? "")\(head.path ?? "")" == expected["url"]?.stringValue)
            #expect(String(decoding: body, as: UTF8.self) == expected["form"]?.stringValue)
            var auth: [String] = []
            if case .array(let parts)? = expected["auth"] { auth = parts.compactMap(\.stringValue) }
            #expect(head.headerFields[.authorization] == "Basic " + Data(auth.joined(separator: ":").utf8).base64EncodedString())
        }
    }
}
