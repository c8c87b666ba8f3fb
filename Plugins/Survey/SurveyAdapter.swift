import Foundation
import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// NPS answers from the survey tools operators use: Typeform, Delighted and Formbricks
/// post their webhooks here. Each delivery is verified the tool's own way, its NPS answer
/// (picked by question, never by position) and the reason become `feedback`, the
/// respondent becomes the author, and it is answered 202 only after the commit. A bad or
/// missing signature is 401 with nothing stored; a response without an NPS answer is
/// stored as a message without feedback.
public struct SurveyAdapter: ChannelAdapter {
    public static let kind = "survey"
    public static let summary =
        "NPS answers from Typeform, Delighted or Formbricks webhooks, verified with each tool's signature; the NPS and reason questions picked by id."
    public static let configSpec = SurveySettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: SurveySettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try SurveySettings(config)
        self.settings = settings
        self.context = context
        let signature = settings.secrets.isEmpty ? nil : try SurveySignature(provider: settings.provider, secrets: settings.secrets)
        let channel = context.channel.id
        endpoints = [
            HTTPEndpoint(method: .post, path: settings.path, maxBodySize: settings.maxBodySize) { request in
                await Self.handle(request, settings: settings, signature: signature, channel: channel, context: context)
            }
        ]
    }

    public func run() async throws {
        if settings.secrets.isEmpty {
            context.logger.warning(
                "accepting UNSIGNED \(settings.provider.rawValue) deliveries on \(settings.path) because insecure: true; anyone who can reach this port can post answers"
            )
        }
        context.logger.info("\(settings.provider.rawValue) answers received on POST \(settings.path)")
        try? await gracefulShutdown()
    }

    static func handle(
        _ request: InboundHTTPRequest,
        settings: SurveySettings,
        signature: SurveySignature?,
        channel: String,
        context: AdapterContext
    ) async -> InboundHTTPResponse {
        let delivery: SurveyDelivery
        do {
            try signature?.verify(request, now: context.clock.now())
            delivery = try read(request, settings: settings, channel: channel)
        } catch {
            return context.reject(error)
        }
        switch delivery {
        case .ignored(let reason, let detail):
            context.metrics.ignored(reason: reason)
            return .json(.accepted, ["ignored": .string(detail)])
        case .response(var message, let supersedesKey):
            if let supersedesKey, message.feedback != nil {
                do {
                    message.feedback?.supersedes = try await context.sink.storedEventIds(forDedupKeys: [supersedesKey])[supersedesKey]
                } catch {
                    return .problem(.unavailable("the answer could not be stored; retry later"))
                }
            }
            return await context.store(message, what: "answer") { .accepted($0) }
        }
    }

    /// The body as the provider's JSON, read into a delivery. Pure.
    static func read(_ request: InboundHTTPRequest, settings: SurveySettings, channel: String) throws(HTTPProblem) -> SurveyDelivery {
        guard !request.body.isEmpty else { throw .malformed("the body is empty") }
        let mediaType = request.mediaType ?? ""
        guard mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) else {
            throw .unsupportedMediaType("Content-Type must be application/json, got '\(mediaType.isEmpty ? "none" : mediaType)'")
        }
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(request.body)
        } catch {
            throw .malformed("the body is not JSON: \(error)")
        }
        switch settings.provider {
        case .typeform: return try TypeformResponse.delivery(payload, settings: settings)
        case .delighted: return try DelightedResponse.delivery(payload, settings: settings, channel: channel)
        case .formbricks: return try FormbricksResponse.delivery(payload, settings: settings)
        }
    }
}
