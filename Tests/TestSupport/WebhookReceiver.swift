import Foundation
import HTTPTypes
import Hummingbird
import ListeningPostKit
import NIOCore
import Synchronization

/// A real HTTP receiver for push subscribers: verifies each delivery's Standard Webhooks
/// signature, fails the first `failFirst` attempts (503), then takes deliveries and records
/// them in arrival order.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var webhookId: String
        public var body: [UInt8]
    }

    private struct State {
        var failuresLeft: Int
        var attempts = 0
        var taken: [Delivery] = []
        var badSignatures = 0
    }

    private let state: Mutex<State>
    private let verifier: StandardWebhooks

    public init(secret: String, failFirst: Int = 0) throws {
        state = Mutex(State(failuresLeft: failFirst))
        verifier = try StandardWebhooks(secrets: [secret])
    }

    /// Deliveries answered 2xx, in order.
    public var taken: [Delivery] { state.withLock { $0.taken } }
    /// Every request, failed or taken.
    public var attempts: Int { state.withLock { $0.attempts } }
    /// Requests whose signature did not verify.
    public var badSignatures: Int { state.withLock { $0.badSignatures } }

    /// From now on, fail every request (`true`) or take them (`false`).
    public func failAlways(_ failing: Bool) { state.withLock { $0.failuresLeft = failing ? Int.max : 0 } }

    /// Runs the receiver on a free port for the duration of `body`.
    public func serve<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let bytes = Array(try await request.body.collect(upTo: 1 << 20).readableBytesView)
            let id = request.headers[HTTPField.Name("webhook-id")!] ?? ""
            let timestamp = request.headers[HTTPField.Name("webhook-timestamp")!] ?? ""
            let signature = request.headers[HTTPField.Name("webhook-signature")!] ?? ""
            let verified = (try? self.verifier.verify(id: id, timestamp: timestamp, signatureHeader: signature, body: bytes, now: Date())) != nil
            let status: HTTPResponse.Status = self.state.withLock { state in
                state.attempts += 1
                guard verified else {
                    state.badSignatures += 1
                    return .unauthorized
                }
                if state.failuresLeft > 0 {
                    if state.failuresLeft != Int.max { state.failuresLeft -= 1 }
                    return .serviceUnavailable
                }
                state.taken.append(Delivery(webhookId: id, body: bytes))
                return .noContent
            }
            return Response(status: status)
        }
        return try await LocalServer.serve(router, body)
    }
}
