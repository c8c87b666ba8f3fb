import DiscourseAdapter
import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import NIOCore
import Synchronization
import TestSupport
import Testing

/// Answering on the forum over real HTTP, against a local Discourse that checks each
/// request as the API documents it (`POST /posts.json`, `Api-Key`, `Api-Username`, JSON
/// with `topic_id` and `raw`, or a private message) and answers as Discourse does.
@Suite struct DiscourseReplyTests {
    final class Forum: Sendable {
        let posts = Mutex<[[String: JSONValue]]>([])
        let refusedHeaders = Mutex(0)

        func router() -> Router<BasicRequestContext> {
            let router = Router(context: BasicRequestContext.self)
            router.post("/posts.json") { request, _ -> Response in
                guard request.headers[HTTPField.Name("Api-Key")!] == "reply-key-0123", request.headers[HTTPField.Name("Api-Username")!] == "support",
                    request.headers[.contentType] == "application/json"
                else {
                    self.refusedHeaders.withLock { $0 += 1 }
                    return Self.json(
                        .forbidden,
                        ["errors": ["You are not permitted to view the requested resource."], "error_type": "invalid_access"]
                    )
                }
                let body = try await request.body.collect(upTo: 1 << 20)
                let object = (try? JSONValue.parse(Array(body.readableBytesView)))?.objectValue ?? [:]
                let raw = object["raw"]?.stringValue ?? ""
                if raw.count < 20 {
                    return Self.json(
                        .unprocessableContent,
                        ["errors": ["Body is too short (minimum is 20 characters)"], "error_type": "invalid_parameters"]
                    )
                }
                if raw.hasPrefix("slow down") && self.posts.withLock({ $0.isEmpty }) {
                    self.posts.withLock { $0.append(["throttled": true]) }
                    return Self.json(
                        .tooManyRequests,
                        [
                            "errors": ["You’ve performed this action too many times. Please wait 3 seconds before trying again."],
                            "error_type": "rate_limit", "extras": ["wait_seconds": 3],
                        ]
                    )
                }
                let id = self.posts.withLock { posts -> Int in
                    posts.append(object)
                    return 500 + posts.count
                }
                return Self.json(.ok, ["id": .number(Double(id)), "topic_id": object["topic_id"] ?? 900, "raw": .string(raw)])
            }
            return router
        }

        static func json(_ status: HTTPResponse.Status, _ object: JSONValue) -> Response {
            Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: object.compactJSON())))
        }
    }

    static func sender(port: Int) throws -> any ChannelSender {
        let yaml = """
            channels:
              - id: forum
                type: discourse
                base_url: http://127.0.0.1:\(port)
                webhook: {path: /hooks/forum, insecure: true}
                reply: {api_key: reply-key-0123, api_username: support}
            """
        let registry = AdapterRegistry([DiscourseAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        let adapter = try ChannelAssembly.instantiate(config, registry: registry) {
            .testing(channel: $0.identity, sink: RecordingSink(), clock: SystemAdapterClock(), http: AsyncHTTPOutboundClient())
        }[0].adapter
        return try #require(adapter as? any ChannelSender)
    }

    @Test func aReplyGoesToTheTopicAndWithoutOneAPrivateMessage() async throws {
        let forum = Forum()
        try await LocalServer.serve(forum.router()) { port in
            let sender = try Self.sender(port: port)
            #expect(sender.canSend)
            let reply = try await sender.send(
                OutboundMessage(
                    id: "o1",
                    to: Author(handle: "ann_l"),
                    text: "Sorry about the double charge, it is refunded.",
                    inReplyTo: ThreadReference(conversationId: "420")
                )
            )
            #expect(reply.providerId == "post:501")
            let direct = try await sender.send(
                OutboundMessage(id: "o2", to: Author(handle: "ann_l"), text: "Did you get what you needed? Reply YES or NO.", subject: "Your refund")
            )
            #expect(direct.providerId == "post:502")
            let posts = forum.posts.withLock { $0 }
            #expect(posts[0] == ["topic_id": 420, "raw": "Sorry about the double charge, it is refunded."])
            #expect(
                posts[1] == [
                    "archetype": "private_message", "target_recipients": "ann_l", "title": "Your refund",
                    "raw": "Did you get what you needed? Reply YES or NO.",
                ]
            )
            #expect(forum.refusedHeaders.withLock { $0 } == 0)
        }
    }

    @Test func refusalsArePermanentAndRateLimitsRetryableWithTheirWait() async throws {
        let forum = Forum()
        try await LocalServer.serve(forum.router()) { port in
            let sender = try Self.sender(port: port)
            do {
                _ = try await sender.send(
                    OutboundMessage(id: "o1", to: Author(handle: "ann_l"), text: "too short", inReplyTo: ThreadReference(conversationId: "420"))
                )
                Issue.record("a 422 was taken as sent")
            } catch let error as SendFailure {
                #expect(error.kind == .permanent)
                #expect(error.message == "Discourse answered 422: Body is too short (minimum is 20 characters)")
            }
            do {
                _ = try await sender.send(
                    OutboundMessage(
                        id: "o2",
                        to: Author(handle: "ann_l"),
                        text: "slow down, this is long enough",
                        inReplyTo: ThreadReference(conversationId: "420")
                    )
                )
                Issue.record("a 429 was taken as sent")
            } catch let error as SendFailure {
                #expect(error.kind == .retryable)
                #expect(error.retryAfter == .seconds(3), "extras.wait_seconds")
            }
            do {
                _ = try await sender.send(
                    OutboundMessage(id: "o3", to: Author(email: "ann@example.com"), text: "no handle and no topic to answer in")
                )
                Issue.record("a message with nowhere to go was sent")
            } catch let error as SendFailure {
                #expect(error.kind == .permanent)
            }
        }
    }
}
