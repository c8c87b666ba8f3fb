// libFuzzer targets for every parser fed by outside bytes (docs/fuzzing.md). Built only
// by `make fuzz` (LISTENING_POST_FUZZ=1, `--sanitize fuzzer --sanitize address`), which
// runs each target by name: FUZZ_TARGET=<name> listening-post-fuzz <corpus dirs…>.
// `@testable` reaches the adapters' internal parsers: the fuzz build is a debug build.
import Crypto
import Foundation
import HTTPTypes
import ListeningPostKit

@testable import DiscourseAdapter
@testable import ExecAdapter
@testable import IMAPAdapter
@testable import ListeningPostCore
@testable import ListeningPostLoop
@testable import SMSAdapter
@testable import VoiceAdapter

/// One target: bytes in, no crash, and where a parser has a round trip, the round trip holds.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable ([UInt8]) -> Void

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "mime") { bytes in _ = try? MIMEParser.parse(bytes) },
        FuzzTarget(name: "imap-response") { bytes in _ = try? IMAPResponseParser.parse(bytes[...]) },
        FuzzTarget(name: "json") { bytes in
            // A document that parses must come back the same after writing it out.
            guard let value = try? JSONValue.parse(bytes) else { return }
            let written = value.compactJSON()
            guard let again = try? JSONValue.parse(written), again == value else { fatalError("JSON round trip changed \(value)") }
        },
        FuzzTarget(name: "form") { bytes in
            guard let pairs = try? FormURLEncoded.parse(bytes: bytes) else { return }
            let encoded = FormURLEncoded.encode(pairs)
            guard let again = try? FormURLEncoded.parse(encoded), again.map(\.name) == pairs.map(\.name), again.map(\.value) == pairs.map(\.value)
            else {
                fatalError("form round trip changed \(pairs)")
            }
        },
        FuzzTarget(name: "twilio") { bytes in
            _ = twilio.parse(request(bytes, contentType: "application/x-www-form-urlencoded"))
        },
        FuzzTarget(name: "vonage") { bytes in
            _ = vonage.parse(request(bytes, contentType: "application/json"), now: Date())
        },
        FuzzTarget(name: "twilio-voice") { bytes in
            // Every callback a Twilio Voice channel has, unsigned (`insecure: true`).
            let form = request(bytes, contentType: "application/x-www-form-urlencoded")
            for callback in TwilioVoiceParser.Callback.allCases {
                guard let fields = try? twilioVoice.fields(form, callback: callback) else { continue }
                _ = try? twilioVoice.message(callback, fields: fields)
            }
        },
        FuzzTarget(name: "vonage-voice") { bytes in
            // The answer webhook as JSON, and the record webhook with the caller's signature checked.
            let json = request(bytes, contentType: "application/json")
            _ = try? vonageVoice.call(json)
            _ = try? vonageVoice.voicemail(json)
        },
        FuzzTarget(name: "generic-sms") { bytes in
            _ = genericSMS?.parse(request(bytes, contentType: "application/json"))
            _ = genericSMS?.parse(request(bytes, contentType: "application/x-www-form-urlencoded"))
        },
        FuzzTarget(name: "discourse") { bytes in
            var head = request(bytes, contentType: "application/json")
            head.head.headerFields[DiscourseWebhookParser.eventHeader] = "post_created"
            _ = discourse.parse(head)
        },
        FuzzTarget(name: "exec-line") { bytes in
            var framer = ExecLineFramer(maxLineSize: 4096)
            let pieces = bytes.withUnsafeBytes { framer.append($0) }
            for case .line(let line) in pieces { _ = try? ExecPluginLine.decode(line) }
            _ = framer.finish()
        },
        FuzzTarget(name: "config") { bytes in
            _ = try? ConfigLoader(registry: registry, environment: [:]).load(text: String(decoding: bytes, as: UTF8.self))
        },
        FuzzTarget(name: "reply-score") { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            let read = ReplyScore.read(text)
            if case .score(let score, _) = read, !(0...10).contains(score) { fatalError("score \(score) outside 0-10 from \(text.debugDescription)") }
            _ = ConfirmationReply.read(text)
        },
        FuzzTarget(name: "template") { bytes in
            let known = TemplateVariables.standard(attributeKeys: ["name"], attributesOpen: false)
            guard let template = try? MessageTemplate(String(decoding: bytes, as: UTF8.self), known: known) else { return }
            _ = template.render(TemplateValues(["case.id": "cas_1", "customer.attributes.name": "Ann"]))
        },
    ]

    static let registry = AdapterRegistry([SMSAdapter.self, DiscourseAdapter.self, IMAPAdapter.self, ExecAdapter.self])
    static let twilio = TwilioRequestParser(authTokens: [], publicURL: nil, maxBodySize: 64 << 10, defaultRegion: "GB")
    static let vonage = VonageRequestParser(signature: nil, secrets: [], tolerance: .seconds(300), maxBodySize: 64 << 10)
    static let genericSMS = try? GenericSMSParser(ConfigValues(path: "generic", [:]), maxBodySize: 64 << 10, defaultRegion: "GB")
    static let discourse = DiscourseWebhookParser(secrets: [], maxBodySize: 64 << 10)
    static let twilioVoice = TwilioVoiceParser(keys: [], publicURL: nil, maxBodySize: 64 << 10, defaultRegion: "GB")
    static let vonageVoice = VonageVoiceParser(
        callerKeys: [SymmetricKey(data: Array("fuzz-signature-secret".utf8))],
        publicURL: "https://voice.example.com/hooks/vonage",
        defaultRegion: "GB"
    )

    static func request(_ body: [UInt8], contentType: String) -> InboundHTTPRequest {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/hooks/fuzz")
        head.headerFields[.contentType] = contentType
        return InboundHTTPRequest(head: head, body: body)
    }

    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let target = all.first(where: { $0.name == name }) else {
            FileHandle.standardError.write(Data("FUZZ_TARGET must be one of: \(all.map(\.name).joined(separator: " "))\n".utf8))
            exit(2)
        }
        return target
    }()
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    FuzzTarget.current.run(bytes)
    return 0
}

/// libFuzzer's driver, started from the program's entry point. SwiftPM links an executable
/// with `main` aliased to `listening_post_fuzz_main` (unless the whole build runs with
/// `--sanitize fuzzer`, which Package.swift avoids so dependencies stay uninstrumented), so
/// the entry point is that name and hands over to libFuzzer as its own `main` would.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("listening_post_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOneInput(data, size) }
}
