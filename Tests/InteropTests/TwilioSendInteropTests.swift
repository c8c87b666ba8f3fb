import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing

@testable import SMSAdapter

/// The request the gateway sends to Twilio's Messages API must be the one Twilio's own
/// Python SDK builds for the same message (`client.messages.create`, captured before it
/// leaves): method, URL, Basic auth, form fields in order and their encoding, headers.
@Suite struct TwilioSendInteropTests {
    @Test func ourSendIsTheRequestTwiliosSDKBuilds() async throws {
        let accountSid = "AC0123456789abcdef0123456789abcdef"
        let token = "tok-" + UUID().uuidString
        var messages: [(OutboundMessage, String?)] = []
        for index in 0..<12 {
            let text = index == 0 ? "Did you get what you needed? Reply YES or NO." : InteropTests.randomText() + " £12 & 50% off +more"
            messages.append(
                (
                    OutboundMessage(id: "o\(index)", to: Author(phone: "+4477009001\(10 + index)"), text: text),
                    index % 2 == 0 ? "https://sms.example.com/status?x=\(index)" : nil
                )
            )
        }
        let requests: [JSONValue] = messages.map { message, callback in
            var request: [String: JSONValue] = [
                "scheme": "twilio_send", "account_sid": .string(accountSid), "auth_token": .string(token), "to": .string(message.to.phone!),
                "from": "+14155550100", "body": .string(message.text),
            ]
            if let callback { request["status_callback"] = .string(callback) }
            return .object(request)
        }
        let built = try await ProviderSDK.sign(requests)
        for ((message, callback), sdk) in zip(messages, built) {
            let sender = TwilioSender(
                accountSid: accountSid,
                username: accountSid,
                password: token,
                from: "+14155550100",
                messagingServiceSid: nil,
                statusCallback: callback,
                apiURL: URL(string: "https://api.twilio.com")!
            )
            let (head, body) = sender.request(for: message)
            let expected = try #require(sdk.objectValue)
            #expect(head.method.rawValue == expected["method"]?.stringValue)
            #expect("\(head.scheme ?? "")://\(head.authority ?? "")\(head.path ?? "")" == expected["url"]?.stringValue)
            #expect(String(decoding: body, as: UTF8.self) == expected["form"]?.stringValue, "\(message.text)")
            var auth: [String] = []
            if case .array(let parts)? = expected["auth"] { auth = parts.compactMap(\.stringValue) }
            let credentials: String = auth.joined(separator: ":")
            #expect(head.headerFields[.authorization] == "Basic " + Data(credentials.utf8).base64EncodedString())
            for name in ["Content-Type", "Accept", "Accept-Charset"] {
                #expect(head.headerFields[HTTPField.Name(name)!] == expected["headers"]?.objectValue?[name]?.stringValue, "\(name)")
            }
        }
    }
}

/// The same for Vonage's SMS API against vonage v4's `client.sms.send`, and Vonage's
/// answers (200 with a per-message status) read as Vonage documents them.
@Suite struct VonageSendInteropTests {
    @Test func ourSendIsTheRequestVonagesSDKBuilds() async throws {
        let secret = "secret-" + UUID().uuidString.prefix(8)
        let texts =
            ["Did you get what you needed? Reply YES or NO.", "Grüße — £12 refunded 😀", "a+b=c & 100% {ok}"]
            + (0..<6).map { _ in InteropTests.randomText() }
        let messages = texts.enumerated().map { OutboundMessage(id: "outbox-\($0.offset)", to: Author(phone: "+447700900123"), text: $0.element) }
        let sender = VonageSender(
            apiKey: "abc123",
            apiSecret: Secret(String(secret)),
            from: "+447700900000",
            callback: nil,
            apiURL: URL(string: "https://rest.nexmo.com")!
        )
        let requests: [JSONValue] = messages.map { message in
            var request: [String: JSONValue] = [
                "scheme": "vonage_send", "api_key": "abc123", "api_secret": .string(String(secret)), "to": "447700900123", "from": "447700900000",
                "text": .string(message.text), "client_ref": .string(message.id),
            ]
            if !message.text.allSatisfy(VonageSender.gsmCharacters.contains) { request["type"] = "unicode" }
            return .object(request)
        }
        for (message, sdk) in zip(messages, try await ProviderSDK.sign(requests)) {
            let (head, body) = sender.request(for: message)
            let expected = try #require(sdk.objectValue)
            #expect("\(head.scheme ?? "")://\(head.authority ?? "")\(head.path ?? "")" == expected["url"]?.stringValue)
            #expect(String(decoding: body, as: UTF8.self) == expected["form"]?.stringValue, "\(message.text)")
            #expect(head.headerFields[.authorization] == expected["headers"]?.objectValue?["Authorization"]?.stringValue)
            #expect(head.headerFields[.accept] == expected["headers"]?.objectValue?["Accept"]?.stringValue)
        }
    }

    @Test func vonagesAnswersAreReadAsDocumented() throws {
        func answer(_ status: HTTPResponse.Status = .ok, body: String) -> OutboundHTTPResponse {
            OutboundHTTPResponse(head: HTTPResponse(status: status), body: Array(body.utf8))
        }
        let sent = VonageSender.outcome(
            answer(body: #"{"message-count":"1","messages":[{"to":"447700900123","message-id":"0A0000001234ABCD","status":"0"}]}"#)
        )
        #expect(try sent.get().providerId == "0A0000001234ABCD")
        let throttled = VonageSender.outcome(
            answer(body: #"{"message-count":"1","messages":[{"status":"1","error-text":"Throughput Rate Exceeded - please wait [ 30 ] and retry"}]}"#)
        )
        #expect(throttled.failure?.kind == .retryable)
        let invalid = VonageSender.outcome(answer(body: #"{"message-count":"1","messages":[{"status":"3","error-text":"Invalid to Number"}]}"#))
        #expect(invalid.failure == SendFailure(.permanent, "Vonage status 3: Invalid to Number"))
        #expect(VonageSender.outcome(answer(.serviceUnavailable, body: "")).failure?.kind == .retryable)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
