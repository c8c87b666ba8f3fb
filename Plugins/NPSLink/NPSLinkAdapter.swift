import HTTPTypes
import ListeningPostKit
import Logging
import ServiceLifecycle

/// Net Promoter Score answers from score links in an email: the customer clicks one of
/// eleven links (0–10) and lands on a thank-you page; the click becomes an event with
/// `feedback` and the customer's address. The links are signed, so nobody can answer for
/// someone else, and they expire.
///
/// This is also the template for writing an adapter: docs/writing-an-adapter.md walks
/// through it file by file.
public struct NPSLinkAdapter: ChannelAdapter {
    public static let kind = "nps-link"
    public static let summary =
        "NPS answers from signed score links in an email (GET, 0–10): each click is an event with feedback, answered with "
        + "a thank-you page after commit."
    public static let configSpec = NPSLinkSettings.spec

    public let endpoints: [HTTPEndpoint]
    private let settings: NPSLinkSettings
    private let context: AdapterContext

    public init(config: ConfigValues, context: AdapterContext) throws {
        let settings = try NPSLinkSettings(config)
        self.settings = settings
        self.context = context
        endpoints = [
            HTTPEndpoint(method: .get, path: settings.path, maxBodySize: 0) { request in
                await Self.handle(request, settings: settings, context: context)
            }
        ]
    }

    public func run() async throws {
        context.logger.info("NPS score links answered on GET \(settings.path)")
        // A push adapter does its work in the endpoint; it only waits to be stopped.
        try? await gracefulShutdown()
    }

    static func handle(_ request: InboundHTTPRequest, settings: NPSLinkSettings, context: AdapterContext) async -> InboundHTTPResponse {
        let now = context.clock.now()
        switch NPSLinkClick.read(query: request.rawQuery, settings: settings, now: now) {
        case .failure(let problem):
            _ = context.reject(problem)
            return NPSLinkPage.problem(problem)
        case .success(let click):
            do {
                let receipt = try await context.sink.submit(click.message(question: settings.question, now: now))
                return NPSLinkPage.thanks(settings.thankYou, alreadyAnswered: receipt.duplicate)
            } catch {
                context.logger.error("could not store an NPS answer; the customer was asked to click again", metadata: ["error": "\(error)"])
                return NPSLinkPage.problem(.unavailable("your answer could not be saved; please click the link again in a minute"))
            }
        }
    }
}
