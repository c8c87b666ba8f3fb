import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore

/// `GET /v1/nps`: NPS with its interval, grouped and trended, from the NPS projection.
/// Any subscriber token may ask (the figures are aggregates). The answer covers the log up
/// to its head when the request came, so an answer acknowledged before is counted.
struct NPSRoutes: Sendable {
    let projection: NPSProjection
    let hub: StreamHub
    let authenticator: SubscriberAuthenticator
    let settings: NPSSettings

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/nps") { request, _ in
            _ = try authenticator.authenticate(request)
            var parameters: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
            if parameters["window"] == nil, parameters["from"] == nil, parameters["to"] == nil {
                parameters["window"] = "\(settings.window.components.seconds)s"
            }
            let query: NPSQuery
            do {
                query = try NPSQuery.parse(parameters, now: Date())
            } catch {
                throw HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: "\(error)")
            }
            let head = try await hub.head(stream: RoutingRules.firehose)
            guard let rows = await projection.rows(for: query, through: head, timeout: .seconds(10)) else {
                throw HTTPProblem.unavailable(
                    "the NPS projection is still reading the log (at offset \(projection.offset) of \(head)); retry shortly"
                )
            }
            return Response.json(.ok, NPSReport.json(query: query, rows: rows, minResponses: settings.minResponses))
        }
    }
}
