import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import ListeningPostCore
import ListeningPostStore
import Logging
import NIOCore

/// Serves each HTTP connection from a task that prefers the connection's own event loop.
///
/// Hummingbird runs every connection's task on the cooperative pool, so a request hops
/// from its event loop to the pool to be handled and back again to be written, each hop a
/// futex wake and a context switch. With the task bound to the loop, reading the request,
/// the handler and writing the answer happen on one thread, and so does every write of a
/// long-lived SSE or WebSocket stream, which a wake-up resumes there. Blocking work never runs there:
/// the log commits on its own thread and libcurl on its own threads.
///
/// It also guards the connection before Hummingbird's own handlers exist: those (with the
/// idle timeout) are added only once a request head has arrived, so a client that sends
/// half a head and stops would otherwise hold its connection for ever.
struct EventLoopBoundChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let headTimeout: Duration
    let limit: ConnectionLimit

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        limit.opened(channel)
        do {
            try channel.pipeline.syncOperations.addHandler(FirstRequestDeadline(timeout: headTimeout))
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(eventLoop: value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}

extension HTTPServerBuilder {
    /// HTTP/1 with WebSocket upgrades (as `.http1WebSocketUpgrade(webSocketRouter:)`), each
    /// connection served on its event loop.
    /// - Parameters:
    ///   - idleTimeout: closes a connection whose request head or body stops arriving, or
    ///     that sits idle between requests, this long (never one whose response, such as
    ///     an SSE stream, is being written).
    ///   - limit: refuses connections beyond `server.max_connections`.
    static func eventLoopBound<WebSocketRouter: HTTPResponderBuilder>(
        webSocketRouter: WebSocketRouter,
        idleTimeout: Duration,
        limit: ConnectionLimit
    ) -> HTTPServerBuilder
    where WebSocketRouter.Responder.Context: WebSocketRequestContext {
        let webSocketResponder = webSocketRouter.buildResponder()
        let http1 = HTTP1Channel.Configuration(idleTimeout: .nanoseconds(Int64(idleTimeout.components.seconds) * 1_000_000_000))
        return HTTPServerBuilder { responder in
            EventLoopBoundChildChannel(
                base: HTTP1WebSocketUpgradeChannel(responder: responder, webSocketResponder: webSocketResponder, configuration: .init(http1: http1)),
                headTimeout: idleTimeout,
                limit: limit
            )
        }
    }
}
