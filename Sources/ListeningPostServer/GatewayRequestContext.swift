import Hummingbird
import NIOCore

/// The gateway router's request context: Hummingbird's basics plus the event loop of the
/// request's connection, so a long-lived response (an SSE stream) can run on that loop and
/// write without hopping threads.
public struct GatewayRequestContext: RequestContext {
    /// Hummingbird's per-request storage (logger, parameters, …).
    public var coreContext: CoreRequestContextStorage
    /// The event loop serving the request's connection.
    public let eventLoop: any EventLoop

    /// Creates the context for a request on a connection.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        eventLoop = source.channel.eventLoop
    }
}
