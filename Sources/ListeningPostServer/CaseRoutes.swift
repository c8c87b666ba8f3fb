import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore

/// The case API for the people who work cases (operator tokens: `cases:read` to read,
/// `cases` to change):
/// - `GET /v1/cases`: the queue, filtered (``CaseQuery``), soonest due first;
/// - `GET /v1/cases/{id}`: one case with its whole timeline (its stored events);
/// - `POST /v1/cases/{id}/assign`, `/responses`, `/resolve`: a change, answered after it
///   is committed, with the case as it now stands. An `Idempotency-Key` header (else the
///   body's bytes) makes a retry a duplicate rather than a second change.
struct CaseRoutes: Sendable {
    let projection: CaseProjection
    let log: any EventLog
    let authenticator: OperatorAuthenticator
    /// The rules of a change.
    let changes: CaseChanges

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/cases") { request, _ in
            _ = try authenticator.authorize(request, anyOf: [.cases, .casesRead])
            var parameters: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { parameters[String(name)] = String(value) }
            let query: CaseQuery
            do {
                query = try CaseQuery.parse(parameters)
            } catch let error as CaseQueryError {
                throw HTTPProblem(status: 400, slug: "bad-query", title: "Bad query parameter", detail: error.description)
            }
            let now = Date()
            let (cases, total) = projection.read { $0.cases(matching: query) }
            return Response.json(.ok, ["cases": .array(cases.map { $0.json(now: now) }), "total": .number(Double(total))])
        }
        router.get("/v1/cases/{id}") { request, context in
            _ = try authenticator.authorize(request, anyOf: [.cases, .casesRead])
            let record = try self.record(context)
            var timeline: [JSONValue] = []
            for offset in record.timeline {
                guard let entry = try await log.read(stream: CaseEvent.stream, after: offset - 1, limit: 1).first else { continue }
                timeline.append((try? JSONValue.parse(entry.payload)) ?? .null)
            }
            guard case .object(var object) = record.json(now: Date()) else { return Response.json(.ok, .null) }
            object["timeline"] = .array(timeline)
            return Response.json(.ok, .object(object))
        }
        router.post("/v1/cases/{id}/assign") { request, context in
            try await change(request, context) { body in
                guard let owner = body["owner"]?.stringValue else { throw HTTPProblem.malformed("owner: required, who works the case") }
                return .assign(owner: owner)
            }
        }
        router.post("/v1/cases/{id}/responses") { request, context in
            try await change(request, context) { body in
                var at: Date?
                if let text = body["at"]?.stringValue {
                    guard let date = RFC3339.date(from: text) else { throw HTTPProblem.malformed("at: '\(text)' is not an RFC 3339 time") }
                    at = date
                }
                if let text = body["text"], text.stringValue == nil { throw HTTPProblem.malformed("text: must be a string") }
                return .respond(text: body["text"]?.stringValue, at: at)
            }
        }
        router.post("/v1/cases/{id}/resolve") { request, context in
            try await change(request, context) { body in
                guard let rootCause = body["root_cause"]?.stringValue else {
                    throw HTTPProblem.malformed("root_cause: required, what caused the customer's problem")
                }
                guard let resolution = body["resolution"]?.stringValue else {
                    throw HTTPProblem.malformed("resolution: required, what was done about it")
                }
                return .resolve(rootCause: rootCause, resolution: resolution)
            }
        }
    }

    private func record(_ context: BasicRequestContext) throws -> CaseRecord {
        let id = context.parameters.get("id") ?? ""
        guard let record = projection.read({ $0.cases[id] }) else {
            throw HTTPProblem(status: 404, slug: "unknown-case", title: "Not Found", detail: "no case '\(id)'")
        }
        return record
    }

    /// Authorises, reads the body, applies the command and answers with the case after commit.
    private func change(
        _ request: Request,
        _ context: BasicRequestContext,
        command: ([String: JSONValue]) throws -> CaseCommand
    ) async throws -> Response {
        let operatorToken = try authenticator.authorize(request, scope: .cases)
        let record = try self.record(context)
        let bytes = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
        guard case .object(let body)? = try? JSONValue.parse(bytes) else { throw HTTPProblem.malformed("the body must be a JSON object") }
        let by = body["by"]?.stringValue ?? operatorToken.name
        let key = request.idempotencyKey(body: bytes)
        let receipts = try await changes.apply(try command(body), to: record, by: by, idempotencyKey: key)
        let now = Date()
        let updated = projection.read { $0.cases[record.subject.id] } ?? record
        return Response.json(
            .ok,
            [
                "case": updated.json(now: now), "events": .array(receipts.map { .string($0.eventId) }),
                "duplicate": .bool(receipts.allSatisfy(\.duplicate)),
            ]
        )
    }
}
