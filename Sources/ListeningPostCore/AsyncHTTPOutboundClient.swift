import AsyncHTTPClient
import HTTPTypes
import ListeningPostKit
import NIOCore
import NIOHTTP1

/// The gateway's ``OutboundHTTPClient``: AsyncHTTPClient's shared client, with a timeout
/// and a response size limit per request.
public struct AsyncHTTPOutboundClient: OutboundHTTPClient {
    private let client: HTTPClient

    /// Uses `client`, by default AsyncHTTPClient's process-wide shared one.
    public init(client: HTTPClient = .shared) {
        self.client = client
    }

    public func send(_ request: HTTPRequest, body: [UInt8], timeout: Duration, maxResponseSize: Int) async throws -> OutboundHTTPResponse {
        guard let scheme = request.scheme, let authority = request.authority else {
            throw OutboundRequestError(description: "the request needs a scheme and an authority")
        }
        var outbound = HTTPClientRequest(url: "\(scheme)://\(authority)\(request.path ?? "/")")
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headerFields {
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        if !body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(
            outbound,
            timeout: .nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        )
        var fields = HTTPFields()
        for header in response.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let bytes = try await response.body.collect(upTo: maxResponseSize)
        return OutboundHTTPResponse(
            head: HTTPResponse(status: .init(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase), headerFields: fields),
            body: Array(bytes.readableBytesView)
        )
    }
}

/// A request that cannot be sent as given.
public struct OutboundRequestError: Error, CustomStringConvertible {
    public let description: String
}
