import Foundation
import HTTPTypes
import ListeningPostKit
import ListeningPostTesting
import Testing
import VoiceAdapter

/// The voice channel passes the shared adapter conformance suite: each offer is a voicemail.
struct VoiceConformanceTests {
    @Test func voiceAdapterConforms() async throws {
        try await AdapterConformance(VoiceHarness()).run()
    }
}

struct VoiceHarness: ConformanceHarness {
    typealias Adapter = VoiceAdapter
    let push = PushDelivery()

    func config() async throws -> [ConfigLine] {
        [
            ConfigLine("path", "/hooks/voice"),
            ConfigLine("twilio", "{auth_token: \(VoiceTestRequests.authToken), public_url: \"\(VoiceTestRequests.base)\"}"),
        ]
    }

    var secrets: [String] { [VoiceTestRequests.authToken] }

    var invalidConfigs: [InvalidConfig] {
        [
            InvalidConfig(["path": "hooks/voice"], names: "path"),
            InvalidConfig(["twilio": "{public_url: \"\(VoiceTestRequests.base)\"}"], names: "twilio"),
            InvalidConfig(["twilio": "{auth_token: x, public_url: voice.example.com}"], names: "twilio.public_url"),
            InvalidConfig(["finish_on_key": "x"], names: "finish_on_key"),
            InvalidConfig(["max_length": "0s"], names: "max_length"),
            InvalidConfig(["transcriber": "{command: []}"], names: "transcriber.command"),
            InvalidConfig(["twilio": "{auth_token: x, account_sid: AC1}"], names: "twilio.from"),
            InvalidConfig(["twilio": "{auth_token: x, account_sid: XX1, from: \"+14155550100\"}"], names: "twilio.account_sid"),
            InvalidConfig(["desk": "{number: nope}"], names: "desk.number"),
            InvalidConfig(["calendar": "support"], names: "calendar"),
            InvalidConfig(["transcriber": "{command: [python3], attempts: 0}"], names: "transcriber.attempts"),
        ]
    }

    func offer(_ count: Int, to adapter: VoiceAdapter) async throws -> [String] {
        var keys: [String] = []
        for _ in 0..<count {
            let recording = VoiceTestRequests.sid("RE")
            let call = VoiceTestRequests.sid("CA")
            try await push.send(VoiceTestRequests.request("/recorded", VoiceTestRequests.recorded(call, recordingSid: recording)), to: adapter)
            keys.append("voicemail:\(recording)")
        }
        return keys
    }

    func offerInvalid(to adapter: VoiceAdapter) async throws {
        let forged = VoiceTestRequests.request("/recorded", VoiceTestRequests.recorded("CAforged", recordingSid: "REforged"), token: "not-the-token")
        let response = try await push.send(forged, to: adapter)
        #expect(response.status == .unauthorized)
    }

    func redeliverUnaccepted(to adapter: VoiceAdapter) async throws {
        try await push.redeliver(to: adapter)
    }
}
