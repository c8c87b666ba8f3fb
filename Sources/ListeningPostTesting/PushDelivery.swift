import HTTPTypes
import ListeningPostKit
import Synchronization

/// A push source for conformance harnesses: sends requests to the adapter's endpoints as
/// the gateway's router would, and, like a provider, remembers the ones not answered
/// with 2xx so it can send them again.
public final class PushDelivery: Sendable {
    private let unaccepted = Mutex<[InboundHTTPRequest]>([])

    /// Creates a source with nothing to retry.
    public init() {}

    /// Sends a request to the endpoint with its method and path; a non-2xx answer is kept
    /// for ``redeliver(to:)``.
    @discardableResult
    public func send(_ request: InboundHTTPRequest, to adapter: some ChannelAdapter) async throws -> InboundHTTPResponse {
        let path = request.head.path.map { String($0.prefix { $0 != "?" }) } ?? ""
        guard let endpoint = adapter.endpoints.first(where: { $0.method == request.head.method && $0.path == path }) else {
            throw PushDeliveryError(
                description:
                    "no endpoint serves \(request.head.method) \(path); the adapter serves \(adapter.endpoints.map { "\($0.method) \($0.path)" })"
            )
        }
        let response = await endpoint.handler(request)
        if !(200..<300).contains(response.status.code) {
            unaccepted.withLock { $0.append(request) }
        }
        return response
    }

    /// Sends every unaccepted request again, once.
    public func redeliver(to adapter: some ChannelAdapter) async throws {
        let retries = unaccepted.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
        for request in retries { try await send(request, to: adapter) }
    }
}

/// A request for a path no endpoint serves.
public struct PushDeliveryError: Error, CustomStringConvertible {
    public let description: String
}
