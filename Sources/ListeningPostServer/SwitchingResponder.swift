import Hummingbird
import Synchronization

/// The HTTP responder the server runs with, which a config reload replaces whole: each
/// request is answered by the responder in force when it arrived, so routes, tokens and
/// channel endpoints switch over between two requests and a request in flight finishes
/// with the config it started with.
final class SwitchingResponder: HTTPResponder, Sendable {
    typealias Context = BasicRequestContext
    private let current: Mutex<RouterResponder<BasicRequestContext>>

    init(_ responder: RouterResponder<BasicRequestContext>) {
        self.current = Mutex(responder)
    }

    func replace(with responder: RouterResponder<BasicRequestContext>) {
        current.withLock { $0 = responder }
    }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let responder = current.withLock { $0 }
        return try await responder.respond(to: request, context: context)
    }
}
