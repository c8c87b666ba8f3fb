import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostTesting
import Logging
import NIOCore
import NIOHTTP1
import WebhookAdapter

/// Builds a real gateway (SQLite log in a temporary directory, real sockets) from YAML.
enum GatewayHarness {
    static let standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    /// Reads every stream.
    static let readerToken = "reader-token-0123456789"
    /// Reads only the `survey` stream.
    static let surveyToken = "survey-token-0123456789"

    static let channels = """
        channels:
          - id: survey
            type: webhook
            path: /hooks/survey
            insecure: true
            max_body_size: 64KiB
            mapping:
              dedup_key: /response_id
              text: /reason
          - id: signed
            type: webhook
            path: /hooks/signed
            signature:
              scheme: standard_webhooks
              secret: ${SIGNED_SECRET}
        subscribers:
          - name: reader
            token: ${READER_TOKEN}
            streams: "*"
          - name: survey-only
            token: ${SURVEY_TOKEN}
            streams: [survey]
        """

    static func temporaryDirectory() -> String {
        TemporaryDirectory.make("lp-gateway")
    }

    /// - Parameter extra: YAML appended after `subscribers:`'s entries (more subscribers) —
    ///   or, starting at column 0, more top-level sections.
    /// - Parameter store: more lines of `store:` (indented two spaces), such as a PostgreSQL
    ///   log's `kind` and `postgres`.
    static func gateway(
        dataDirectory: String = temporaryDirectory(),
        heartbeat: String = "15s",
        store: String = "",
        extra: String = ""
    ) async throws -> Gateway {
        let yaml = "server:\n  port: 0\n  sse_heartbeat: \(heartbeat)\nstore:\n  path: \(dataDirectory)\n" + store + channels + "\n" + extra
        let registry = AdapterRegistry([WebhookAdapter.self])
        let config = try ConfigLoader(
            registry: registry,
            environment: ["SIGNED_SECRET": standardSecret, "READER_TOKEN": readerToken, "SURVEY_TOKEN": surveyToken]
        ).load(text: yaml)
        return try await Gateway.assemble(config: config, registry: registry, logger: Logger(label: "test"))
    }

    /// Runs the gateway on a real socket for the duration of `body`.
    static func withLiveGateway(
        heartbeat: String = "15s",
        extra: String = "",
        _ body: @escaping @Sendable (Gateway, Int) async throws -> Void
    ) async throws {
        let gateway = try await gateway(heartbeat: heartbeat, extra: extra)
        try await gateway.application().test(.live) { client in
            try await body(gateway, client.port!)
        }
    }

    static func post(
        _ port: Int,
        _ path: String,
        body: [UInt8],
        headers: [(String, String)] = [("Content-Type", "application/json")]
    ) async throws -> (status: Int, json: JSONValue?) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), try? JSONValue.parse(Array(bytes.readableBytesView)))
    }

    static func get(_ port: Int, _ path: String, token: String? = readerToken) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequestBuilder.get(port, path, token: token), timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// Reads `count` SSE events from a stream, then disconnects.
    static func readEvents(
        _ port: Int,
        stream: String,
        lastEventId: Int64? = nil,
        query: String = "",
        count: Int,
        token: String = readerToken
    ) async throws -> [ServerSentEventParser.Event] {
        var request = HTTPClientRequestBuilder.get(port, "/v1/streams/\(stream)/events\(query)", token: token)
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventId { request.headers.add(name: "Last-Event-ID", value: String(lastEventId)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        var parser = ServerSentEventParser()
        var events: [ServerSentEventParser.Event] = []
        for try await chunk in response.body {
            events += parser.feed(chunk.readableBytesView)
            if events.count >= count { break }
        }
        return Array(events.prefix(count))
    }

    static func json(_ object: JSONValue) -> [UInt8] { object.compactJSON() }
}
