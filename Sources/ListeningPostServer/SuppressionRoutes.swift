import Crypto
import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore

/// The suppression list (operator token with scope `send`):
/// - `GET /v1/suppressions`: every address suppressed now, with what suppressed it;
/// - `POST /v1/suppressions` `{"email": …}` or `{"phone": …}`: suppress an address;
/// - `DELETE /v1/suppressions/{address}`: lift a suppression.
/// An SMS that is exactly STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT suppresses its
/// number by itself; START or UNSTOP lifts it.
struct SuppressionRoutes: Sendable {
    let list: SuppressionList
    let log: any EventLog
    let authenticator: OperatorAuthenticator
    let ids = EventIDGenerator()

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/suppressions") { request, _ in
            _ = try authenticator.authorize(request, scope: .send)
            return Response.json(.ok, ["suppressions": .array(list.all.map(Self.json))])
        }
        router.post("/v1/suppressions") { request, _ in
            let operatorToken = try authenticator.authorize(request, scope: .send)
            let bytes = Array(try await request.body.collect(upTo: 16 * 1024).readableBytesView)
            guard case .object(let body)? = try? JSONValue.parse(bytes) else {
                throw HTTPProblem.malformed("the body must be a JSON object: {\"email\": …} or {\"phone\": …}")
            }
            let address: String
            if let email = body["email"]?.stringValue, email.contains("@") {
                address = email.lowercased()
            } else if let raw = body["phone"]?.stringValue {
                guard let phone = PhoneNumber.e164(raw) else {
                    throw HTTPProblem.malformed("phone: '\(raw)' is not a phone number that normalises to E.164")
                }
                address = phone
            } else {
                throw HTTPProblem.malformed("give email or phone")
            }
            return try await change(address, added: true, by: operatorToken.name)
        }
        router.delete("/v1/suppressions/{address}") { request, context in
            let operatorToken = try authenticator.authorize(request, scope: .send)
            let raw = context.parameters.get("address")?.removingPercentEncoding ?? ""
            let address = raw.contains("@") ? raw.lowercased() : (PhoneNumber.e164(raw) ?? raw)
            guard list.suppression(of: address) != nil else {
                throw HTTPProblem(status: 404, slug: "not-suppressed", title: "Not Found", detail: "'\(address)' is not suppressed")
            }
            return try await change(address, added: false, by: operatorToken.name)
        }
    }

    private func change(_ address: String, added: Bool, by: String) async throws -> Response {
        let event = SuppressionEvent(id: ids.next(), address: address, added: added, source: "api", by: by, time: Date())
        do {
            _ = try await log.append(AppendRequest(channel: SuppressionEvent.logChannel, events: [event.prepared(dedupKey: "api:\(event.id)")]))
        } catch {
            throw HTTPProblem.unavailable("the change could not be stored; retry")
        }
        return Response.json(added ? .created : .ok, Self.json(event))
    }

    static func json(_ event: SuppressionEvent) -> JSONValue {
        [
            "address": .string(event.address), "suppressed": .bool(event.added), "source": .string(event.source), "by": .string(event.by),
            "since": .time(event.time),
        ]
    }
}
