import Foundation
import HTTPTypes

/// An HTTP endpoint a push adapter serves, in swift-http-types terms, so adapters never
/// import the web framework. The gateway enforces `maxBodySize` (413) before calling.
public struct HTTPEndpoint: Sendable {
    /// The method, usually POST.
    public var method: HTTPRequest.Method
    /// The exact path, e.g. `/hooks/survey`.
    public var path: String
    /// Largest body accepted; larger requests get 413 without reaching the handler.
    public var maxBodySize: Int
    /// Handles one request.
    public var handler: @Sendable (InboundHTTPRequest) async -> InboundHTTPResponse

    /// Creates an endpoint.
    public init(
        method: HTTPRequest.Method,
        path: String,
        maxBodySize: Int,
        handler: @escaping @Sendable (InboundHTTPRequest) async -> InboundHTTPResponse
    ) {
        self.method = method
        self.path = path
        self.maxBodySize = maxBodySize
        self.handler = handler
    }
}

/// A request as a push adapter sees it: the head and the whole body.
public struct InboundHTTPRequest: Sendable {
    /// Method, path with query, headers.
    public var head: HTTPRequest
    /// The body, already bounded by the endpoint's `maxBodySize`.
    public var body: [UInt8]
    /// Creates a request.
    public init(head: HTTPRequest, body: [UInt8]) {
        self.head = head
        self.body = body
    }

    /// The query string without `?`, still percent-encoded; empty when there is none.
    public var rawQuery: String {
        guard let path = head.path, let mark = path.firstIndex(of: "?") else { return "" }
        return String(path[path.index(after: mark)...])
    }

    /// The media type of the body, lowercased, without parameters (`application/json`).
    public var mediaType: String? {
        guard let value = head.headerFields[.contentType] else { return nil }
        // On bytes: read on every request, and split/trim/lowercase on String showed in profiles.
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            if byte == UInt8(ascii: ";") { break }
            if byte == 0x20 || byte == 0x09 { continue }
            bytes.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A response from a push adapter.
public struct InboundHTTPResponse: Sendable {
    /// Status line.
    public var status: HTTPResponse.Status
    /// Headers.
    public var headerFields: HTTPFields
    /// Body bytes.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    /// A JSON response.
    public static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> InboundHTTPResponse {
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        return .init(status: status, headerFields: fields, body: value.compactJSON())
    }

    /// An RFC 9457 problem response (`application/problem+json`).
    public static func problem(_ problem: HTTPProblem) -> InboundHTTPResponse {
        var fields = HTTPFields()
        fields[.contentType] = "application/problem+json"
        return .init(status: .init(code: problem.status), headerFields: fields, body: problem.json())
    }

    /// The usual answer to an accepted message: 202 with the event id.
    public static func accepted(_ receipt: IngestReceipt) -> InboundHTTPResponse {
        .json(.accepted, ["id": .string(receipt.eventId), "duplicate": .bool(receipt.duplicate)])
    }
}
