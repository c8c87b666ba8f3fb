import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import NIOCore
import NIOHTTP1

enum HTTPClientRequestBuilder {
    static func get(_ port: Int, _ path: String) -> HTTPClientRequest {
        HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    }
}

enum HTTPClientShared {
    static func execute(_ request: HTTPClientRequest) async throws -> HTTPClientResponse {
        try await HTTPClient.shared.execute(request, timeout: .seconds(10))
    }
}
