import Foundation
import HTTPTypes
import ListeningPostKit
import Testing

@testable import SMSAdapter

/// The request the gateway sends to Twilio's Messages API must be the one Twilio's own
/// Python SDK builds for the same message (`client.messages.create`, captured before it
/// leaves): method, URL, Basic auth, form fields in order and their encoding, headers.
@Suite struct TwilioSendInteropTests {
    @Test func ourSendIsTheRequestTwiliosSDKBuilds() async throws {
        let accountSid = "AC0123456789abcdef0123456789abcdef", token = "tok-" + UUID().uuidString
        var messages: [(OutboundMessage, String?)] = []
        for index in 0..<12 {
            let text = index == 0 ? "Did you get what you needed? Reply YES or NO." : InteropTests.randomText() + " £12 & 50% off +more"
            messages.append((OutboundMessage(id: "o\(index)", to: Author(phone: "+4477009001\(10 + index)"), text: text), index % 2 == 0 ? "https://sms.example.com/status?x=\(index)" : nil))
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
                accountSid: accountSid, username: accountSid, password: token, from: "+14155550100", messagingServiceSid: nil, statusCallback: callback,
                apiURL: URL(string: "https://api.twilio.com")!)
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
