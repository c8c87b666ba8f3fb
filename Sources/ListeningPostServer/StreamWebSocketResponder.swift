import Foundation
import Hummingbird
import HummingbirdWebSocket
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Metrics
import NIOCore
import Synchronization

/// `GET /v1/streams/{stream}/ws`: the stream over a WebSocket, with acknowledgements.
///
/// The server sends one text message per event, `{"offset":N,"stream":"…","event":{…}}`.
/// The client answers `{"ack":N}` when it has processed everything up to offset N; the ack
/// is committed as the subscriber's cursor for that stream. A connection starts after
/// `?after=N` if given, else after the last committed ack, else at the head, so a client
/// that reconnects without saying where resumes where it last acknowledged: the same
/// "nothing lost, nothing repeated past the ack" as SSE's `Last-Event-ID`.
struct StreamWebSocketResponder: Sendable {
    let hub: StreamHub
    let log: any EventLog
    /// The streams and tokens in force: a reload replaces them for the next upgrade.
    let access: LiveValue<StreamAccess>
    let heartbeat: Duration
    let subscribers: @Sendable (String) -> Meter
    let batchSize = 256

    static func cursorKey(subscriber: String, stream: String) -> String { "ws:\(subscriber):\(stream)" }

    func register(on router: Router<BasicWebSocketRequestContext>) {
        router.ws("/v1/streams/{stream}/ws") { request, context in
            let stream = try context.parameters.require("stream")
            let current = self.access.current
            _ = try current.authenticator.authorize(request, stream: stream, existing: current.streamNames)
            if let after = try Self.requestedStart(request) { try StreamEventsResponder.refuseDeleted(after, stream: stream, hub: hub) }
            return .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let stream = try context.requestContext.parameters.require("stream")
            let current = self.access.current
            let subscriber = try current.authenticator.authorize(context.request, stream: stream, existing: current.streamNames)
            let key = Self.cursorKey(subscriber: subscriber.name, stream: stream)
            let start: Int64
            if let after = try Self.requestedStart(context.request) {
                start = after
            } else if let acked = try await log.cursor(subscriber: key) {
                start = acked
            } else {
                start = try await hub.head(stream: stream)
            }
            let meter = subscribers(stream)
            meter.increment()
            defer { meter.decrement() }
            let sent = SentOffset(start)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await send(
                        stream: stream,
                        from: start,
                        to: outbound,
                        sent: sent,
                        watch: LiveValue.Watch(self.access, subscriber: subscriber, stream: stream)
                    )
                }
                group.addTask {
                    try await receiveAcks(inbound, key: key, sent: sent, outbound: outbound)
                }
                // Either side ending (the client closing, or shutdown) ends the connection.
                try await group.next()
                group.cancelAll()
            }
        }
    }

    /// Sends until the client goes, or a reload revokes its token or removes its stream.
    private func send(
        stream: String,
        from start: Int64,
        to outbound: WebSocketOutboundWriter,
        sent: SentOffset,
        watch: LiveValue<StreamAccess>.Watch
    ) async throws {
        var cursor = start
        var watch = watch
        while !Task.isCancelled, watch.stillGranted() {
            let entries: [StreamEntry]
            do {
                entries = try await hub.entries(stream: stream, after: cursor, limit: batchSize)
            } catch let deleted as OffsetsDeleted {
                // Retention overtook this reader (or its last ack): say so and close.
                try await outbound.write(
                    .text(
                        String(
                            decoding: JSONValue.object(["error": .string(deleted.description), "oldest": .number(Double(deleted.oldest))])
                                .compactJSON(),
                            as: UTF8.self
                        )
                    )
                )
                return
            }
            for entry in entries {
                var text = "{\"offset\":\(entry.offset),\"stream\":"
                text += String(decoding: JSONValue.string(stream).compactJSON(), as: UTF8.self)
                text += ",\"event\":"
                text += String(decoding: entry.payload, as: UTF8.self)
                text += "}"
                try await outbound.write(.text(text))
                cursor = entry.offset
                sent.store(cursor)
            }
            if entries.isEmpty {
                _ = await hub.waitForEntries(stream: stream, after: cursor, timeout: heartbeat)
            }
        }
    }

    private func receiveAcks(_ inbound: WebSocketInboundStream, key: String, sent: SentOffset, outbound: WebSocketOutboundWriter) async throws {
        var committed: Int64 = 0
        for try await message in inbound.messages(maxSize: 4096) {
            guard case .text(let text) = message, let offset = Self.ackOffset(text) else {
                try await outbound.write(.text(#"{"error":"expected {\"ack\": <offset>}"}"#))
                continue
            }
            guard offset <= sent.load() else {
                try await outbound.write(.text("{\"error\":\"ack \(offset) is beyond the last offset sent (\(sent.load()))\"}"))
                continue
            }
            guard offset > committed else { continue }
            _ = try await log.append(AppendRequest(channel: "", events: [], cursors: [key: offset]))
            committed = offset
        }
    }

    static func ackOffset(_ text: String) -> Int64? {
        guard case .object(let object)? = try? JSONValue.parse(Array(text.utf8)), case .number(let value)? = object["ack"],
            value >= 0, value == value.rounded(), value < 9e15
        else { return nil }
        return Int64(value)
    }

    /// `?after=N`, shared with SSE: `nil` when absent, a 400 problem when not an offset.
    static func requestedStart(_ request: Request) throws(HTTPProblem) -> Int64? {
        guard let after = request.uri.queryParameters["after"] else { return nil }
        guard let offset = Int64(after), offset >= 0 else {
            throw HTTPProblem.malformed("after must be a stream offset (a whole number ≥ 0), got '\(after)'")
        }
        return offset
    }
}

/// The last offset written to a connection, shared by its sender and its ack reader.
final class SentOffset: Sendable {
    private let value: Atomic<Int64>
    init(_ start: Int64) { value = Atomic(start) }
    func store(_ offset: Int64) { value.store(offset, ordering: .relaxed) }
    func load() -> Int64 { value.load(ordering: .relaxed) }
}
