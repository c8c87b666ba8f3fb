import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore

/// `GET` and `POST /v1/subscribers/{name}/dead-letters`, with the subscriber's own token.
///
/// `GET` lists what push gave up on, oldest first, each with its event. `POST` re-drives:
/// every dead letter, or those named in `{"eventIds": [...]}`, gets one immediate delivery
/// attempt; each one delivered leaves the list, each one that fails stays with its new
/// error. The answer says which was which.
struct DeadLetterRoutes: Sendable {
    let log: any EventLog
    let authenticator: SubscriberAuthenticator
    let pushers: [String: WebhookPusher]

    func register(on router: Router<BasicRequestContext>) {
        router.get("/v1/subscribers/{name}/dead-letters") { request, context in
            let pusher = try pusher(request, context)
            let letters = try await log.deadLetters(subscriber: pusher.subscriber.name)
            return Response.json(.ok, ["deadLetters": .array(letters.map(Self.json))])
        }
        router.post("/v1/subscribers/{name}/dead-letters") { request, context in
            let pusher = try pusher(request, context)
            let body = try await request.body.collect(upTo: 1 << 20)
            var selected: Set<String>?
            if body.readableBytes > 0 {
                guard case .object(let object)? = try? JSONValue.parse(Array(body.readableBytesView)),
                    case .array(let ids)? = object["eventIds"], ids.allSatisfy({ $0.stringValue != nil })
                else {
                    throw HTTPProblem.malformed("the body must be empty (re-drive everything) or {\"eventIds\": [\"<event id>\", …]}")
                }
                selected = Set(ids.compactMap(\.stringValue))
            }
            var delivered: [JSONValue] = []
            var failed: [JSONValue] = []
            // At most a batch, and no new attempt after a few seconds, so one call answers in
            // bounded time while the subscriber is still down (a connection that is refused
            // is retried by the HTTP client until the push timeout); `remaining` says how
            // many are left for the next call.
            let matching = try await log.deadLetters(subscriber: pusher.subscriber.name).filter { selected?.contains($0.eventId) ?? true }
            let stopAt = ContinuousClock.now + Self.budget
            var attempted = 0
            for letter in matching.prefix(Self.batch) {
                if attempted > 0, ContinuousClock.now > stopAt { break }
                attempted += 1
                do {
                    try await pusher.deliver(eventId: letter.eventId, payload: letter.payload)
                    _ = try await log.append(AppendRequest(channel: "", events: [], clearedDeadLetters: [letter.key]))
                    delivered.append(.string(letter.eventId))
                } catch {
                    var again = letter
                    again.attempts += 1
                    again.lastError = "\(error)"
                    again.deadAt = Date()
                    _ = try await log.append(AppendRequest(channel: "", events: [], deadLetters: [again]))
                    failed.append(["eventId": .string(letter.eventId), "error": .string("\(error)")])
                }
            }
            return Response.json(
                .ok,
                [
                    "delivered": .array(delivered), "failed": .array(failed), "remaining": .number(Double(matching.count - attempted)),
                ]
            )
        }
    }

    /// Dead letters re-driven per request, at most.
    static let batch = 50
    /// After this, no new attempt starts in the same request.
    static let budget: Duration = .seconds(5)

    private func pusher(_ request: Request, _ context: BasicRequestContext) throws -> WebhookPusher {
        let name = try context.parameters.require("name")
        _ = try authenticator.authorize(request, subscriber: name)
        guard let pusher = pushers[name] else {
            throw HTTPProblem(
                status: 404,
                slug: "no-push",
                title: "No webhook push",
                detail: "subscriber '\(name)' has no `webhook:` push, so it has no dead letters"
            )
        }
        return pusher
    }

    static func json(_ letter: DeadLetter) -> JSONValue {
        [
            "eventId": .string(letter.eventId), "stream": .string(letter.stream), "offset": .number(Double(letter.offset)),
            "attempts": .number(Double(letter.attempts)), "lastError": .string(letter.lastError),
            "deadAt": .string(RFC3339.string(from: letter.deadAt)),
            "event": (try? JSONValue.parse(letter.payload)) ?? .null,
        ]
    }
}
