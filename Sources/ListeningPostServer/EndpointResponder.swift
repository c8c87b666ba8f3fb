import Hummingbird
import ListeningPostKit

/// Serves an adapter's ``HTTPEndpoint``: enforces the body limit (413 without reading
/// further), hands the adapter swift-http-types values, and writes its answer back.
struct EndpointResponder: Sendable {
    let endpoint: HTTPEndpoint

    @Sendable func respond(_ request: Request, context: some RequestContext) async throws -> Response {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > endpoint.maxBodySize {
            throw HTTPProblem.tooLarge(limit: endpoint.maxBodySize)
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: endpoint.maxBodySize)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw HTTPProblem.tooLarge(limit: endpoint.maxBodySize)
        }
        let inbound = InboundHTTPRequest(head: request.head, body: Array(body.readableBytesView))
        let answer = await endpoint.handler(inbound)
        return Response(status: answer.status, headers: answer.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
