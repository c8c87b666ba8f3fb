import Foundation
import Hummingbird
import JWTKit
import ListeningPostCore
import ListeningPostKit
import NIOCore
import Synchronization
import TestSupport
import Testing

/// The gateway's own transcriber through the binary: a voicemail spoken offline by
/// espeak-ng (and sox, at Twilio's 8 kHz), served by a local Twilio media endpoint that
/// checks HTTP Basic with the account SID and auth token, transcribed by the example
/// pocketsphinx transcriber into an event naming the voicemail; the gateway killed with
/// `kill -9` while the audio is being fetched does it after the restart, once; an
/// unreachable media URL is retried and the voicemail ends flagged `transcription_failed`.
@Suite(.serialized) struct VoiceTranscriptionEndToEndTests {
    static let account = "AC0123456789abcdef0123456789abcdef"
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A local Twilio media endpoint: the recording's WAV for the right Basic credentials.
    final class FakeTwilioMedia: Sendable {
        let wav: [UInt8]
        let fetches = Mutex(0)
        let refused = Mutex(0)
        /// While true, a fetch hangs (to kill the gateway mid-transcription).
        let holding = Mutex(false)

        init(wav: [UInt8]) { self.wav = wav }

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.get("/2010-04-01/Accounts/:account/Recordings/:file") { request, context -> Response in
                let expected =
                    "Basic " + Data("\(VoiceTranscriptionEndToEndTests.account):\(VoiceEndToEndTests.authToken)".utf8).base64EncodedString()
                guard request.headers[.authorization] == expected, context.parameters.get("file")?.hasSuffix(".wav") == true else {
                    self.refused.withLock { $0 += 1 }
                    return Response(status: .unauthorized)
                }
                self.fetches.withLock { $0 += 1 }
                while self.holding.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(50)) }
                return Response(
                    status: .ok,
                    headers: [.contentType: "audio/x-wav"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.wav))
                )
            }
            return router
        }
    }

    static func config(_ directory: String, attempts: Int = 4, vonage: Bool = false) throws -> String {
        let python = root + "/.venv-stt/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw GatewayProcess.Failure(description: "\(python) is missing: run scripts/setup-interop.sh (make test does)")
        }
        // The channel's provider keys, at the indentation of the channel below.
        let provider =
            vonage
            ? [
                "    provider: vonage", "    insecure: true", "    vonage:", "      public_url: https://voice.example.com/hooks/voice",
                "      application_id: \(vonageApplication)", "      private_key: ${VONAGE_PRIVATE_KEY}",
            ]
            : ["    twilio:", "      auth_token: \(VoiceEndToEndTests.authToken)", "      public_url: \"\(VoiceEndToEndTests.base)\""]
        return try ExecPluginTests.config(
            directory,
            channel: """
                  - id: hotline
                    type: voice
                    path: /hooks/voice
                \(provider.joined(separator: "\n"))
                    transcriber:
                      command: ["\(python)", "\(root)/Plugins/examples/transcribe-pocketsphinx/transcribe.py"]
                      attempts: \(attempts)
                      retry_after: 1s
                      fetch_timeout: 3s
                      timeout: 2m
                """,
            streams: "\"*\"",
            extra: """
                customers:
                  inline:
                    - {id: c-ann, phones: ["+12125550123"], attributes: {tier: gold}}
                """
        )
    }

    /// "Nobody called me back", spoken by espeak-ng and resampled to 8 kHz mono by sox.
    static func synthesizedVoicemail(_ directory: String) throws -> [UInt8] {
        let spoken = directory + "/spoken.wav"
        let phone = directory + "/voicemail.wav"
        for (tool, arguments) in [
            ("espeak-ng", ["-w", spoken, "Hello, my delivery was late again and nobody called me back. Please call me."]),
            ("sox", [spoken, "-r", "8000", "-c", "1", "-b", "16", phone]),
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [tool] + arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw GatewayProcess.Failure(description: "\(tool) failed; make deps installs it") }
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: phone)))
    }

    static func recording(_ recordingSid: String, mediaPort: Int, callSid: String = "CA21") -> [(String, String)] {
        VoiceEndToEndTests.call(callSid) + [
            ("RecordingSid", recordingSid),
            ("RecordingUrl", "http://127.0.0.1:\(mediaPort)/2010-04-01/Accounts/\(account)/Recordings/\(recordingSid)"),
            ("RecordingDuration", "6"),
        ]
    }

    static func waitForEvent(_ port: Int, key: String, timeout: Duration = .seconds(90)) async throws -> MessageEvent {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let event = try await VoiceEndToEndTests.events(port).first(where: { $0.data.dedupKey == key }) { return event }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw GatewayProcess.Failure(description: "no \(key) within \(timeout)")
    }

    @Test func aSpokenVoicemailIsTranscribedOfflineAndSurvivesKillDashNineMidFetch() async throws {
        let directory = try ExecPluginTests.workspace("voice-stt")
        let media = FakeTwilioMedia(wav: try Self.synthesizedVoicemail(directory))
        let configPath = try Self.config(directory)
        try await LocalServer.serve(media.router()) { mediaPort in
            media.holding.withLock { $0 = true }
            let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
            let recorded = try await VoiceEndToEndTests.post(first.port, "/recorded", Self.recording("RE21", mediaPort: mediaPort))
            #expect(recorded.status == 200, "the voicemail is acknowledged without waiting for its text")
            let deadline = ContinuousClock.now + .seconds(30)
            while media.fetches.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(media.fetches.withLock { $0 } == 1, "the transcriber started fetching")
            first.signal(SIGKILL)
            _ = await first.waitForExit()
            media.holding.withLock { $0 = false }

            let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
            defer { second.signal(SIGKILL) }
            let transcript = try await Self.waitForEvent(second.port, key: "transcript:RE21")
            #expect(
                try await VoiceEndToEndTests.post(second.port, "/recorded", Self.recording("RE21", mediaPort: mediaPort)).status == 200,
                "Twilio retrying the callback"
            )
            let voice = transcript.data.metadata["voice"]?.objectValue ?? [:]
            #expect(voice["completes"]?.stringValue == "voicemail:RE21")
            #expect(voice["engine"]?.stringValue?.hasPrefix("pocketsphinx") == true, "the transcript says which engine made it")
            #expect(voice["status"]?.stringValue == "completed")
            #expect(!transcript.data.text.isEmpty, "pocketsphinx heard words: \(transcript.data.text)")
            #expect(transcript.data.customer?.id == "c-ann", "the transcript is the caller's, for NPS, replies and case rules")
            #expect(transcript.data.flags == ["transcript"])
            try await Task.sleep(for: .seconds(2))
            let keys = try await VoiceEndToEndTests.events(second.port).map(\.data.dedupKey)
            #expect(keys == ["voicemail:RE21", "transcript:RE21"], "each stored once")
            #expect(media.refused.withLock { $0 } == 0, "every fetch carried the account's Basic credentials")
        }
    }

    static let vonageApplication = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"

    /// A local Vonage media endpoint: the recording for a request with the application's
    /// JWT, verified with the public half of the key the test made with openssl.
    final class FakeVonageMedia: Sendable {
        let wav: [UInt8]
        let publicKey: Insecure.RSA.PublicKey
        let fetches = Mutex(0)
        let refused = Mutex(0)

        init(wav: [UInt8], publicKeyPEM: String) throws {
            self.wav = wav
            self.publicKey = try Insecure.RSA.PublicKey(pem: publicKeyPEM)
        }

        struct Claims: JWTPayload {
            var application_id: String
            var exp: ExpirationClaim
            var jti: IDClaim
            func verify(using algorithm: some JWTAlgorithm) async throws { try exp.verifyNotExpired() }
        }

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.get("/v1/files/:id") { request, _ -> Response in
                let keys = await JWTKeyCollection().add(rsa: self.publicKey, digestAlgorithm: .sha256)
                guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                    let claims = try? await keys.verify(String(header.dropFirst(7)), as: Claims.self),
                    claims.application_id == VoiceTranscriptionEndToEndTests.vonageApplication
                else {
                    self.refused.withLock { $0 += 1 }
                    return Response(status: .unauthorized)
                }
                self.fetches.withLock { $0 += 1 }
                return Response(status: .ok, headers: [.contentType: "audio/wav"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: self.wav)))
            }
            return router
        }
    }

    /// An RSA key pair as a Vonage application has, made by openssl: (private PEM, public PEM).
    static func applicationKeys(_ directory: String) throws -> (String, String) {
        let key = directory + "/private.key"
        for arguments in [
            ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key],
            ["pkey", "-in", key, "-pubout", "-out", key + ".pub"],
        ] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["openssl"] + arguments
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw GatewayProcess.Failure(description: "openssl \(arguments[0]) failed") }
        }
        return (try String(contentsOfFile: key, encoding: .utf8), try String(contentsOfFile: key + ".pub", encoding: .utf8))
    }

    @Test func aVonageVoicemailIsFetchedWithTheApplicationsJWTAndTranscribed() async throws {
        let directory = try ExecPluginTests.workspace("voice-stt-vonage")
        let (privateKey, publicKey) = try Self.applicationKeys(directory)
        let media = try FakeVonageMedia(wav: try Self.synthesizedVoicemail(directory), publicKeyPEM: publicKey)
        let configPath = try Self.config(directory, vonage: true)
        try await LocalServer.serve(media.router()) { mediaPort in
            let gateway = try await GatewayProcess.start(
                config: configPath,
                logFile: directory + "/gateway.log",
                environment: ["VONAGE_PRIVATE_KEY": privateKey]
            )
            defer { gateway.signal(SIGKILL) }
            let recording = "aaaaaaaa-bbbb-cccc-dddd-0000000000aa"
            let body = JSONValue.object([
                "start_time": "2026-01-01T12:00:00Z", "end_time": "2026-01-01T12:00:06Z", "size": .number(Double(media.wav.count)),
                "recording_url": .string("http://127.0.0.1:\(mediaPort)/v1/files/\(recording)"), "recording_uuid": .string(recording),
                "conversation_uuid": "CON-aaaaaaaa-bbbb-cccc-dddd-0123456789ab", "timestamp": "2026-01-01T12:00:07.000Z",
            ])
            let answer = try await GatewayHarness.post(
                gateway.port,
                "/hooks/voice/recorded?from=12125550123&to=14155550100",
                body: body.compactJSON()
            )
            #expect(answer.status == 200)
            let transcript = try await Self.waitForEvent(gateway.port, key: "transcript:\(recording)")
            let voice = transcript.data.metadata["voice"]?.objectValue ?? [:]
            #expect(voice["provider"]?.stringValue == "vonage" && voice["status"]?.stringValue == "completed")
            #expect(voice["engine"]?.stringValue?.hasPrefix("pocketsphinx") == true)
            #expect(!transcript.data.text.isEmpty, "pocketsphinx heard words: \(transcript.data.text)")
            #expect(transcript.data.customer?.id == "c-ann")
            #expect(media.fetches.withLock { $0 } == 1 && media.refused.withLock { $0 } == 0, "fetched once, with a valid application JWT")
        }
    }

    @Test func anUnreachableRecordingIsRetriedThenTheVoicemailIsFlagged() async throws {
        let directory = try ExecPluginTests.workspace("voice-stt-down")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory, attempts: 2), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        // Port 9 (discard) on loopback: nothing listens, the fetch is refused.
        let recorded = try await VoiceEndToEndTests.post(gateway.port, "/recorded", Self.recording("RE22", mediaPort: 9, callSid: "CA22"))
        #expect(recorded.status == 200)
        let transcript = try await Self.waitForEvent(gateway.port, key: "transcript:RE22", timeout: .seconds(60))
        let voice = transcript.data.metadata["voice"]?.objectValue ?? [:]
        #expect(transcript.data.flags == ["transcript", "transcription_failed"])
        #expect(transcript.data.text.isEmpty)
        #expect(voice["attempts"] == .number(2), "tried as often as configured")
        #expect(voice["error"]?.stringValue?.hasPrefix("fetching http://127.0.0.1:9/") == true, "\(voice["error"] ?? .null)")
        #expect(voice["completes"]?.stringValue == "voicemail:RE22")
    }
}
