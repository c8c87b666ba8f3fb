import Crypto
import Foundation
import HTTPTypes
import JWTKit
import ListeningPostKit
import ListeningPostTesting
import Testing
import VoiceAdapter

/// A Vonage voice channel passes the shared adapter conformance suite: each offer is a
/// record webhook, signed as Vonage signs it (a JWT made here with jwt-kit; the golden files'
/// were made with PyJWT).
struct VonageVoiceConformanceTests {
    @Test func vonageVoiceAdapterConforms() async throws {
        try await AdapterConformance(VonageVoiceHarness()).run()
    }
}

struct VonageVoiceHarness: ConformanceHarness {
    typealias Adapter = VoiceAdapter
    static let secret = "vonage-signature-secret-0000000001"
    static let base = "https://voice.example.com/hooks/vonage"
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("path", "/hooks/vonage"),
            ConfigLine("provider", "vonage"),
            ConfigLine("vonage", "{signature_secret: \(Self.secret), public_url: \"\(Self.base)\"}"),
        ]
    }

    var secrets: [String] { [Self.secret] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["vonage": "{signature_secret: x}"], names: "vonage"),
            InvalidConfig(["vonage": "{public_url: \"\(Self.base)\"}"], names: "vonage"),
            InvalidConfig(["silence_timeout": "2s"], names: "silence_timeout"),
            InvalidConfig(["finish_on_key": "12"], names: "finish_on_key"),
            InvalidConfig(["survey": "{id: hotline}"], names: "survey"),
            InvalidConfig(["transcriber": "{command: [python3]}"], names: "transcriber"),
            InvalidConfig(
                [
                    "transcriber": "{command: [python3]}",
                    "vonage": "{signature_secret: \(Self.secret), public_url: \"\(Self.base)\", application_id: a, private_key: nope}",
                ],
                names: "vonage.private_key"
            ),
        ]
    }

    struct Claims: JWTPayload {
        var iat: IssuedAtClaim
        var payload_hash: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A record webhook for a new recording, its caller signed into the URL as the answer NCCO does.
    static func recorded(secret: String = secret) async throws -> (request: InboundHTTPRequest, key: String) {
        let recording = UUID().uuidString.lowercased()
        let conversation = "CON-" + UUID().uuidString.lowercased()
        let body = Array(
            (#"{"start_time":"2026-01-01T12:00:00Z","recording_url":"https://api.nexmo.com/v1/files/\#(recording)","size":4096,"#
                + #""recording_uuid":"\#(recording)","end_time":"2026-01-01T12:00:20Z","conversation_uuid":"\#(conversation)","#
                + #""timestamp":"2026-01-01T12:00:21.000Z"}"#).utf8
        )
        let text = "\(conversation)\n447700900000\n442079460000"
        let mac = HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: Array(Self.secret.utf8)))
        let sig = Data(mac).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        let padded = Array(secret.utf8) + [UInt8](repeating: 0, count: max(0, 32 - secret.utf8.count))
        let keys = await JWTKeyCollection().add(hmac: HMACKey(from: padded), digestAlgorithm: .sha256)
        let hash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        let token = try await keys.sign(Claims(iat: IssuedAtClaim(value: Date()), payload_hash: hash))
        var head = HTTPRequest(
            method: .post,
            scheme: "https",
            authority: "voice.example.com",
            path: "/hooks/vonage/recorded?from=447700900000&to=442079460000&sig=\(sig)"
        )
        head.headerFields[.contentType] = "application/json"
        head.headerFields[.authorization] = "Bearer \(token)"
        return (InboundHTTPRequest(head: head, body: body), "voicemail:\(recording)")
    }

    func offer(_ count: Int, to adapter: VoiceAdapter) async throws -> [String] {
        var keys: [String] = []
        for _ in 0..<count {
            let (request, key) = try await Self.recorded()
            try await push.send(request, to: adapter)
            keys.append(key)
        }
        return keys
    }

    func offerInvalid(to adapter: VoiceAdapter) async throws {
        // Shorter than 32 bytes, as a Vonage secret may be: signed the way PyJWT signs with it.
        let (forged, _) = try await Self.recorded(secret: "not-the-secret")
        let response = try await push.send(forged, to: adapter)
        #expect(response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: VoiceAdapter) async throws {
        try await push.redeliver(to: adapter)
    }
}
