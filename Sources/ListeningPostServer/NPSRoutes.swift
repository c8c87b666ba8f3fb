import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore

/// `GET /v1/nps` (NPS with its interval, grouped and trended), `GET /v1/nps/compare`
/// (against a benchmark or the window before), `GET /v1/themes` (key drivers) and
/// `GET /v1/themes/suggestions` (candidate themes), all from the NPS projection. Any
/// subscriber token may ask (the figures are aggregates). Each answer covers the log up to
/// its head when the request came, so an answer acknowledged before is counted.
struct NPSRoutes: Sendable {
    let projection: NPSProjection
    let hub: StreamHub
    let authenticator: SubscriberAuthenticator
    let settings: NPSSettings
    let benchmarks: [NPSBenchmark]

    /// The default window of suggestions: reasons are sparse, so a longer look than NPS's.
    static let suggestionWindow = "90d"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/nps") { request, _ in
            let (query, _) = try query(request)
            let rows = try await read { $0.rows(for: query) }
            return Response.json(.ok, NPSReport.json(query: query, rows: rows, minResponses: settings.minResponses))
        }
        router.get("/v1/nps/compare") { request, _ in
            let (query, parameters) = try query(request)
            guard query.step == nil else {
                throw badQuery("step: a comparison covers one window; ask /v1/nps for a trend")
            }
            let against = try against(parameters["against"])
            let (ours, previous) = try await read { tally in
                (tally.rows(for: query), against == .previous ? tally.rows(for: query.previous) : [])
            }
            let cells = ComparisonReport.cells(against: against, ours: ours, previous: previous)
            return Response.json(.ok, ComparisonReport.json(query: query, against: against, cells: cells, minResponses: settings.minResponses))
        }
        router.get("/v1/themes") { request, _ in
            let (query, _) = try query(request)
            let rows = try await read { $0.driverRows(for: query) }
            return Response.json(.ok, ThemeReport.json(query: query, rows: rows, minResponses: settings.minResponses))
        }
        router.get("/v1/themes/suggestions") { request, _ in
            let (query, parameters) = try query(request, defaultWindow: Self.suggestionWindow)
            for unsupported in ["group_by", "step"] where parameters[unsupported] != nil {
                throw badQuery("\(unsupported): suggestions cover every answer in the range; filter with segment, channel or survey")
            }
            let minAnswers = try count(parameters["min_answers"], name: "min_answers", default: 5, range: 1...1_000_000)
            let limit = try count(parameters["limit"], name: "limit", default: 20, range: 1...200)
            let suggestions = try await read { $0.suggestions(for: query, minimumAnswers: minAnswers, limit: limit) }
            return Response.json(
                .ok,
                SuggestionReport.json(query: query, suggestions: suggestions, language: settings.reasonLanguage, minAnswers: minAnswers)
            )
        }
    }

    /// An authenticated request's query, over `nps.window` (or `defaultWindow`) unless it
    /// names a range, and its parameters as sent.
    private func query(_ request: Request, defaultWindow: String? = nil) throws -> (NPSQuery, parameters: [String: String]) {
        _ = try authenticator.authenticate(request)
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
        var ranged = parameters
        if parameters["window"] == nil, parameters["from"] == nil, parameters["to"] == nil {
            ranged["window"] = defaultWindow ?? "\(settings.window.components.seconds)s"
        }
        do {
            return (try NPSQuery.parse(ranged, now: Date()), parameters)
        } catch {
            throw badQuery("\(error)")
        }
    }

    /// `body` over the tally once the projection covers the log's head as of now.
    private func read<Result: Sendable>(_ body: @Sendable (NPSTally) -> Result) async throws -> Result {
        let head = try await hub.head(stream: RoutingRules.firehose)
        guard let result = await projection.read(through: head, timeout: .seconds(10), body) else {
            throw HTTPProblem.unavailable("the NPS projection is still reading the log (at offset \(projection.offset) of \(head)); retry shortly")
        }
        return result
    }

    private func against(_ name: String?) throws -> ComparisonReport.Against {
        let known = (["previous"] + benchmarks.map(\.name)).joined(separator: ", ")
        guard let name, !name.isEmpty else {
            throw badQuery("against: name what to compare with: one of \(known)")
        }
        if name == "previous" { return .previous }
        guard let benchmark = benchmarks.first(where: { $0.name == name }) else {
            throw badQuery(
                "against: '\(name)' is not a benchmark; use one of \(known)"
                    + (benchmarks.isEmpty ? " (add benchmarks: to channels.yaml to compare with others)" : "")
            )
        }
        return .benchmark(benchmark)
    }

    private func count(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw badQuery("\(name): '\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private func badQuery(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: detail)
    }
}
