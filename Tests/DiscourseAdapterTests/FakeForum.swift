import Foundation
import Hummingbird
import NIOCore
import Synchronization
import TestSupport

/// A local forum serving `GET /posts.json` in Discourse's shape: newest first, 50 a page,
/// `before=` paging. Scripted failures (a status with a body, optionally a Retry-After)
/// are served first, one per request.
final class FakeForum: Sendable {
    struct Failure: Sendable {
        var status: HTTPResponse.Status
        var body: String
        var retryAfter: String?
    }

    private struct State {
        var posts: [Int] = []
        var failures: [Failure] = []
        var requests: [String] = []
    }

    private let state = Mutex(State())
    let createdAt: @Sendable (Int) -> String

    init(createdAt: @escaping @Sendable (Int) -> String = { _ in "2026-11-20T10:00:00.000Z" }) {
        self.createdAt = createdAt
    }

    func add(posts ids: ClosedRange<Int>) { state.withLock { $0.posts.append(contentsOf: ids) } }
    func fail(_ failure: Failure) { state.withLock { $0.failures.append(failure) } }
    var requests: [String] { state.withLock { $0.requests } }

    /// Serves until the body returns; hands it the port.
    func serve<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.get("/posts.json") { request, _ -> Response in
            let before = request.uri.queryParameters.get("before", as: Int.self)
            let answer = self.state.withLock { state -> Either in
                state.requests.append(request.uri.description)
                if !state.failures.isEmpty { return .failure(state.failures.removeFirst()) }
                let page = state.posts.filter { before == nil || $0 < before! }.sorted(by: >).prefix(50)
                return .page(Array(page))
            }
            switch answer {
            case .failure(let failure):
                var headers = HTTPFields()
                if let retryAfter = failure.retryAfter { headers[.retryAfter] = retryAfter }
                return Response(status: failure.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: failure.body)))
            case .page(let ids):
                let posts = ids.map { id in
                    #"{"id":\#(id),"topic_id":\#(1000 + id / 10),"post_number":\#(id % 10 + 1),"username":"user\#(id)","name":"User \#(id)","user_id":\#(id),"cooked":"<p>Post number \#(id)</p>","created_at":"\#(self.createdAt(id))","updated_at":"\#(self.createdAt(id))","topic_title":"Topic \#(1000 + id / 10)","category_id":4,"post_type":1,"yours":false}"#
                }
                return Response(
                    status: .ok,
                    headers: [.contentType: "application/json"],
                    body: .init(byteBuffer: ByteBuffer(string: #"{"latest_posts":[\#(posts.joined(separator: ","))]}"#))
                )
            }
        }
        return try await LocalServer.serve(router, body)
    }

    private enum Either: Sendable {
        case failure(Failure)
        case page([Int])
    }
}
