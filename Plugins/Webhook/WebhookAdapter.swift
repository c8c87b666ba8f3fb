import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// A generic inbound webhook: JSON or form POSTs to one path, fields mapped onto the message
/// with JSON Pointers, signed with Standard Webhooks, a GitHub-style HMAC or a shared-secret
/// header. Answers 202 with the event id only after the event is committed.
public struct WebhookAdapter: ChannelAdapter {
    public static let kind = "webhook"
    public static let summary =
        "Receives JSON or form POSTs on a path; maps fields with JSON Pointers; verifies Standard Webhooks, GitHub-style "
        + "HMAC or a shared-secret header."
    public static let configSpec = WebhookSettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: WebhookSettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try WebhookSettings(config)
        self.settings = settings
        self.context = context
        let processor = WebhookRequestProcessor(settings: settings)
        endpoints = [
            HTTPEndpoint(method: .post, path: settings.path, maxBodySize: settings.maxBodySize) { request in
                await Self.handle(request, processor: processor, context: context)
            }
        ]
    }

    public func run() async throws {
        if settings.signature == nil {
            context.logger.warning(
                "accepting UNSIGNED requests on \(settings.path) because insecure: true; anyone who can reach this port can post events"
            )
        }
        context.logger.info("webhook listening on POST \(settings.path)")
        try? await gracefulShutdown()
    }

    static func handle(_ request: InboundHTTPRequest, processor: WebhookRequestProcessor, context: AdapterContext) async -> InboundHTTPResponse {
        switch processor.process(request, now: context.clock.now()) {
        case .failure(let problem): context.reject(problem)
        case .success(let message): await context.store(message, what: "event") { .accepted($0) }
        }
    }
}
