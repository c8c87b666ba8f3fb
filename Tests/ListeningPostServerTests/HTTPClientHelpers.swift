import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1

enum HTTPClientRequestBuilder {
    /// A GET with the given bearer token (none when `nil`).
    static func get(_ port: Int, _ path: String, token: String? = GatewayHarness.readerToken) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        return request
    }
}

enum HTTPClientShared {
    static func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }
}
