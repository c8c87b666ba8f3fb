import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// The hotline as a listening post: Twilio Voice calls answered with a greeting and a
/// voicemail, each voicemail, missed call and transcript stored as an event. Every request
/// is verified with `X-Twilio-Signature`; a callback is answered only after its event is
/// committed, so Twilio retries what was not stored.
public struct VoiceAdapter: ChannelAdapter {
    public static let kind = "voice"
    public static let summary =
        "Phone calls (Twilio Voice): a greeting and a voicemail in TwiML; voicemails, missed calls and transcripts as events (X-Twilio-Signature)."
    public static let configSpec = VoiceSettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: VoiceSettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try VoiceSettings(config)
        self.settings = settings
        self.context = context
        let parser = TwilioVoiceParser(
            keys: settings.keys,
            publicURL: settings.publicURL,
            path: settings.path,
            maxBodySize: settings.maxBodySize,
            defaultRegion: settings.defaultRegion
        )
        let xml: HTTPFields = [.contentType: "text/xml"]
        endpoints = TwilioVoiceParser.Callback.allCases.map { callback in
            HTTPEndpoint(method: .post, path: settings.path + callback.rawValue, maxBodySize: settings.maxBodySize) { request in
                let fields: [String: String]
                do throws(HTTPProblem) {
                    fields = try parser.fields(request, callback: callback)
                } catch {
                    return context.reject(error)
                }
                if callback == .incoming {
                    let answer = TwiML.answer(path: settings.path, greeting: settings.greeting, record: settings.record)
                    return InboundHTTPResponse(status: .ok, headerFields: xml, body: Array(answer.utf8))
                }
                let message: InboundMessage
                do throws(HTTPProblem) {
                    message = try parser.message(callback, fields: fields)
                } catch {
                    return context.reject(error)
                }
                let reply = callback == .recorded ? TwiML.goodbye(settings.thanks) : TwiML.empty
                return await context.store(message, what: "call event") { _ in
                    InboundHTTPResponse(status: .ok, headerFields: xml, body: Array(reply.utf8))
                }
            }
        }
    }

    public func run() async throws {
        if settings.authTokens.isEmpty {
            context.logger.warning(
                "accepting UNSIGNED Twilio Voice requests on \(settings.path) because insecure: true; anyone who can reach this port can leave voicemails"
            )
        }
        context.logger.info("Twilio Voice listening on \(settings.path) (callbacks below it)")
        try? await gracefulShutdown()
    }
}
