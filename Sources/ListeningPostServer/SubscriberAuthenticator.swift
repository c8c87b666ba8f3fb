import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit

/// Bearer-token checks for every subscriber and admin endpoint: no token is 401, a token
/// that does not grant the stream (or the subscriber's own admin resource) is 403.
/// Tokens are compared in constant time against every subscriber, so timing reveals
/// neither a token nor which subscriber it belongs to, and they never reach a log line or
/// a problem body.
struct SubscriberAuthenticator: Sendable {
    let subscribers: [SubscriberDeclaration]

    /// The subscriber the request's token belongs to.
    func authenticate(_ request: Request) throws(HTTPProblem) -> SubscriberDeclaration {
        let token = try Self.bearerToken(request, configuredUnder: "subscribers")
        guard let match = subscriber(withToken: token) else { throw Self.unauthorized("the token is not one of this gateway's subscriber tokens") }
        return match
    }

    /// The subscriber a token belongs to, compared in constant time against every one.
    func subscriber(withToken token: String) -> SubscriberDeclaration? {
        var match: SubscriberDeclaration?
        for subscriber in subscribers where ConstantTime.equals(subscriber.token.value, token) {
            match = subscriber
        }
        return match
    }

    /// The subscriber, if its token grants `stream`; 404 for a stream that does not exist,
    /// naming only the streams the token may read.
    func authorize(_ request: Request, stream: String, existing: Set<String>) throws(HTTPProblem) -> SubscriberDeclaration {
        let subscriber = try authenticate(request)
        guard existing.contains(stream) else {
            let visible = existing.filter(subscriber.grants).sorted().joined(separator: ", ")
            throw HTTPProblem(
                status: 404,
                slug: "unknown-stream",
                title: "Unknown stream",
                detail: "no stream named '\(stream)' (your streams: \(visible))"
            )
        }
        guard subscriber.grants(stream) else {
            throw HTTPProblem(
                status: 403,
                slug: "forbidden-stream",
                title: "Forbidden",
                detail: "subscriber '\(subscriber.name)' may not read stream '\(stream)'"
            )
        }
        return subscriber
    }

    /// The subscriber, if the token is that subscriber's own.
    func authorize(_ request: Request, subscriber name: String) throws(HTTPProblem) -> SubscriberDeclaration {
        let subscriber = try authenticate(request)
        guard subscriber.name == name else {
            throw HTTPProblem(
                status: 403,
                slug: "forbidden-subscriber",
                title: "Forbidden",
                detail: "this token belongs to another subscriber than '\(name)'"
            )
        }
        return subscriber
    }

    /// The request's bearer token; 401 without one.
    static func bearerToken(_ request: Request, configuredUnder section: String) throws(HTTPProblem) -> String {
        guard let header = request.headers[.authorization] else {
            throw unauthorized("send Authorization: Bearer <token>; tokens are configured under `\(section):`")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        return String(parts[1].trimmingASCIIWhitespace())
    }

    static func unauthorized(_ detail: String) -> HTTPProblem {
        HTTPProblem(status: 401, slug: "unauthorized", title: "Unauthorized", detail: detail)
    }
}
