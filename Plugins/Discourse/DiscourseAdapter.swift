import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// A Discourse forum: its webhooks (signed `X-Discourse-Event-Signature`), polling of
/// `GET /posts.json`, or both. Cooked HTML becomes text; the topic is the conversation,
/// the username the author's handle, the category goes in metadata.
public struct DiscourseAdapter: ChannelAdapter {
    public static let kind = "discourse"
    public static let summary =
        "A Discourse forum: webhooks (post_created, post_edited; signed with X-Discourse-Event-Signature) and/or polling "
        + "GET /posts.json with a committed cursor."
    public static let configSpec = DiscourseSettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: DiscourseSettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try DiscourseSettings(config)
        self.settings = settings
        self.context = context
        guard let webhook = settings.webhook else {
            endpoints = []
            return
        }
        let parser = DiscourseWebhookParser(secrets: webhook.secrets, maxBodySize: webhook.maxBodySize)
        let instance = settings.baseURL
        endpoints = [
            HTTPEndpoint(method: .post, path: webhook.path, maxBodySize: webhook.maxBodySize) { request in
                await Self.handle(parser.parse(request), instance: instance, context: context)
            }
        ]
    }

    public func run() async throws {
        if let webhook = settings.webhook {
            if webhook.secrets.isEmpty {
                context.logger.warning("accepting UNSIGNED Discourse deliveries on \(webhook.path) because insecure: true")
            }
            context.logger.info("Discourse webhooks on POST \(webhook.path)")
        }
        guard let poll = settings.poll else {
            try? await gracefulShutdown()
            return
        }
        context.logger.info("polling \(poll.baseURL)/posts.json every \(poll.interval)")
        let poller = DiscoursePoller(settings: poll, instance: settings.baseURL, context: context)
        await cancelWhenGracefulShutdown {
            await poller.run()
        }
    }

    static func handle(
        _ parsed: Result<DiscourseWebhookParser.Outcome, HTTPProblem>,
        instance: String,
        context: AdapterContext
    ) async -> InboundHTTPResponse {
        switch parsed {
        case .failure(let problem):
            return context.reject(problem)
        case .success(.ignored(let reason, let detail)):
            context.metrics.ignored(reason: reason)
            return .json(.ok, ["status": "ignored", "detail": .string(detail)])
        case .success(.message(var message)):
            if case .object(var metadata)? = message.metadata["discourse"], metadata["instance"] == nil {
                metadata["instance"] = .string(instance)
                message.metadata["discourse"] = .object(metadata)
            }
            return await context.store(message, what: "post") { .json(.ok, ["id": .string($0.eventId)]) }
        }
    }
}

extension DiscourseAdapter: ChannelSender {
    /// A forum with `reply:` answers.
    public var canSend: Bool { settings.reply != nil }

    public func send(_ message: OutboundMessage) async throws(SendFailure) -> SendReceipt {
        guard let reply = settings.reply else { throw SendFailure(.permanent, "this forum channel has no reply: settings") }
        return try await reply.send(message, http: context.http)
    }
}
