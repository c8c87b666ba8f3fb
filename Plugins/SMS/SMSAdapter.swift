import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// Inbound SMS from Twilio, Vonage or any gateway that posts JSON or a form. Verifies each
/// provider's own signature scheme, normalises numbers to E.164, reassembles Vonage's
/// concatenated messages, and answers only after the message is committed.
public struct SMSAdapter: ChannelAdapter {
    public static let kind = "sms"
    public static let summary =
        "Inbound SMS webhooks: Twilio (X-Twilio-Signature, TwiML answer), Vonage (signed `sig`, concatenated parts reassembled) or a generic JSON/form gateway (HMAC header)."
    public static let configSpec = SMSSettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: SMSSettings
    private let context: AdapterContext
    private let concatenation: ConcatenationCoordinator?

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try SMSSettings(config)
        self.settings = settings
        self.context = context
        let path = settings.path
        let limit = settings.maxBodySize
        if let twilio = settings.twilio {
            concatenation = nil
            let handler: @Sendable (InboundHTTPRequest) async -> InboundHTTPResponse = { request in
                await Self.store(twilio.parse(request), context: context) { _ in
                    InboundHTTPResponse(status: .ok, headerFields: [.contentType: "text/xml"], body: TwilioRequestParser.emptyResponse)
                }
            }
            endpoints = [.post, .get].map { HTTPEndpoint(method: $0, path: path, maxBodySize: limit, handler: handler) }
        } else if let vonage = settings.vonage {
            let coordinator = ConcatenationCoordinator(timeout: settings.concatTimeout)
            concatenation = coordinator
            let handler: @Sendable (InboundHTTPRequest) async -> InboundHTTPResponse = { request in
                switch vonage.parse(request, now: context.clock.now()) {
                case .success(.part(let part)):
                    return await coordinator.submit(part)
                case .success(.message(let message)):
                    return await context.store(message, what: "message") { .json(.ok, ["id": .string($0.eventId)]) }
                case .failure(let problem):
                    return context.reject(problem)
                }
            }
            endpoints = [.post, .get].map { HTTPEndpoint(method: $0, path: path, maxBodySize: limit, handler: handler) }
        } else {
            let generic = settings.generic!
            concatenation = nil
            endpoints = [
                HTTPEndpoint(method: .post, path: path, maxBodySize: limit) { request in
                    await Self.store(generic.parse(request), context: context) { .accepted($0) }
                }
            ]
        }
    }

    public func run() async throws {
        if settings.twilio?.authTokens.isEmpty == true || (settings.vonage != nil && settings.vonage?.signature == nil)
            || (settings.generic != nil && settings.generic?.signature == nil)
        {
            context.logger.warning(
                "accepting UNSIGNED \(settings.provider.name) requests on \(settings.path) because insecure: true; anyone who can reach this port can post messages"
            )
        }
        context.logger.info("\(settings.provider.name) SMS listening on \(settings.path)")
        if let concatenation {
            await withGracefulShutdownHandler {
                await concatenation.run(context: context)
            } onGracefulShutdown: {
                concatenation.finish()
            }
        } else {
            try? await gracefulShutdown()
        }
    }

    /// Stores a parsed message and answers with `success` after commit; answers problems
    /// as they are, counted by reason.
    static func store(
        _ parsed: Result<InboundMessage, HTTPProblem>,
        context: AdapterContext,
        success: (IngestReceipt) -> InboundHTTPResponse
    ) async -> InboundHTTPResponse {
        switch parsed {
        case .failure(let problem): context.reject(problem)
        case .success(let message): await context.store(message, what: "message", success: success)
        }
    }
}

extension SMSAdapter: ChannelSender {
    /// Twilio channels with `account_sid`, Vonage channels with `api_key` and generic ones
    /// with `generic.send` send.
    public var canSend: Bool { settings.twilioSender != nil || settings.vonageSender != nil || settings.genericSender != nil }

    public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        if let twilio = settings.twilioSender { return try await twilio.send(message, http: context.http) }
        if let vonage = settings.vonageSender { return try await vonage.send(message, http: context.http) }
        if let generic = settings.genericSender { return try await generic.send(message, http: context.http) }
        throw SendFailure(.permanent, "this SMS channel has no sending configured")
    }
}
