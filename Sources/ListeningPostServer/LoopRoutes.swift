import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore

/// `GET /v1/loop` (operator token, `cases:read` or `cases`): how well the loop closes over a
/// window, per segment and/or channel (``LoopReport``). Takes NPS's `window` or `from`/`to`
/// and `group_by` (segment, channel).
struct LoopRoutes: Sendable {
    let cases: CaseProjection
    let nps: NPSProjection?
    let hub: StreamHub
    let authenticator: OperatorAuthenticator
    let defaultWindow: Duration

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/loop") { request, _ in
            _ = try authenticator.authorize(request, anyOf: [.cases, .casesRead])
            var parameters: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
            for name in parameters.keys where !["window", "from", "to", "group_by"].contains(name) {
                throw HTTPProblem(
                    status: 400,
                    slug: "bad-query",
                    title: "Bad query parameter",
                    detail: "unknown parameter '\(name)' (parameters: window, from, to, group_by)"
                )
            }
            if parameters["window"] == nil, parameters["from"] == nil, parameters["to"] == nil {
                parameters["window"] = "\(defaultWindow.components.seconds)s"
            }
            let query: NPSQuery
            do {
                query = try NPSQuery.parse(parameters, now: Date())
            } catch {
                throw HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: "\(error)")
            }
            if query.groupBy.contains(.survey) {
                throw HTTPProblem(
                    status: 400,
                    slug: "bad-query",
                    title: "Bad query parameter",
                    detail: "group_by: cases group by segment and channel, not survey"
                )
            }
            var npsRows: [NPSTally.Row] = []
            if let nps {
                let head = try await hub.head(stream: RoutingRules.firehose)
                guard
                    let rows = await nps.rows(
                        for: NPSQuery(groupBy: query.groupBy, from: query.from, to: query.to),
                        through: head,
                        timeout: .seconds(10)
                    )
                else {
                    throw HTTPProblem.unavailable("the NPS projection is still reading the log; retry shortly")
                }
                npsRows = rows
            }
            let report = cases.read { LoopReport.compute(book: $0, npsRows: npsRows, groupBy: query.groupBy, from: query.from, to: query.to) }
            return Response.json(.ok, report.json)
        }
    }
}
