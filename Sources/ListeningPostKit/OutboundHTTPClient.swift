import HTTPTypes

/// HTTP for pull adapters (a forum API, a survey export), in swift-http-types terms so
/// adapters never import an HTTP client library. The gateway supplies one backed by
/// AsyncHTTPClient; tests can supply their own.
///
/// ```swift
/// var request = HTTPRequest(method: .get, scheme: "https", authority: "forum.example.com", path: "/posts.json")
/// request.headerFields[HTTPField.Name("Api-Key")!] = apiKey.value
/// let response = try await context.http.send(request, body: [], timeout: .seconds(30))
/// ```
public protocol OutboundHTTPClient: Sendable {
    /// Sends one request and reads the whole response, up to `maxResponseSize` bytes.
    /// Throws on connection failure, timeout, or a response over the limit; an HTTP error
    /// status is a normal response.
    func send(_ request: HTTPRequest, body: [UInt8], timeout: Duration, maxResponseSize: Int) async throws -> OutboundHTTPResponse
}

extension OutboundHTTPClient {
    /// Sends with a 10 MiB response limit.
    public func send(_ request: HTTPRequest, body: [UInt8] = [], timeout: Duration) async throws -> OutboundHTTPResponse {
        try await send(request, body: body, timeout: timeout, maxResponseSize: 10 << 20)
    }
}

/// A response read whole.
public struct OutboundHTTPResponse: Sendable {
    /// Status and headers.
    public var head: HTTPResponse
    /// The body.
    public var body: [UInt8]

    /// Creates a response.
    public init(head: HTTPResponse, body: [UInt8]) {
        self.head = head
        self.body = body
    }
}

/// The client of a context made without one: every request fails, saying so.
public struct UnavailableHTTPClient: OutboundHTTPClient {
    /// Creates the client.
    public init() {}

    /// Throws ``UnavailableHTTPClientError``.
    public func send(_ request: HTTPRequest, body: [UInt8], timeout: Duration, maxResponseSize: Int) async throws -> OutboundHTTPResponse {
        throw UnavailableHTTPClientError()
    }
}

/// Thrown by ``UnavailableHTTPClient``.
public struct UnavailableHTTPClientError: Error, CustomStringConvertible {
    public var description: String { "this adapter context has no outbound HTTP client" }
}
