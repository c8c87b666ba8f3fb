import Foundation
import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostStore
import Metrics
import ServiceLifecycle
import Synchronization

/// `GET /v1/streams/{stream}/events`: Server-Sent Events. Each event is one frame with
/// `id:` = the stream offset, `event:` = the CloudEvent type and `data:` = the CloudEvent
/// JSON. The stream starts after `Last-Event-ID` (a reconnecting client) or `?after=N`,
/// else at the head; idle streams get a comment line every heartbeat. Nothing is skipped
/// or repeated across a reconnect because the offset is the cursor.
struct StreamEventsResponder: Sendable {
    let hub: StreamHub
    /// The streams and tokens in force; a reload that revokes this connection's token (or
    /// removes its stream) ends the stream, so the client's reconnect hears 401 or 404.
    let access: LiveValue<StreamAccess>
    let heartbeat: Duration
    let subscribers: @Sendable (String) -> Meter
    /// Entries read per wake-up; bounds memory per subscriber.
    let batchSize = 256

    @Sendable func respond(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let stream = try context.parameters.require("stream")
        let current = access.current
        let subscriber = try current.authenticator.authorize(request, stream: stream, existing: current.streamNames)
        let access = self.access
        let start = try await startOffset(request, stream: stream)
        try Self.refuseDeleted(start, stream: stream, hub: hub)
        let hub = self.hub
        let heartbeat = self.heartbeat
        let batchSize = self.batchSize
        let meter = subscribers(stream)
        // The connection's task prefers its event loop (EventLoopBoundChildChannel), so a
        // wake-up resumes there and each write needs no hop from the shared pool, which
        // with a thousand subscribers was most of the cost (context switches, not work).
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .init("X-Accel-Buffering")!: "no"],
            body: ResponseBody { writer in
                meter.increment()
                defer { meter.decrement() }
                try await writer.write(ByteBuffer(bytes: ServerSentEvents.retry(milliseconds: 2000)))
                var cursor = start
                var watch = LiveValue.Watch(access, subscriber: subscriber, stream: stream)
                let stopping = Atomic(false)
                try await withGracefulShutdownHandler {
                    while !stopping.load(ordering: .relaxed), !Task.isCancelled, watch.stillGranted() {
                        let read: (last: Int64, frames: ByteBuffer)?
                        do {
                            read = try await hub.frames(stream: stream, after: cursor, limit: batchSize)
                        } catch let deleted as OffsetsDeleted {
                            // Retention overtook this reader: say so and end; the reconnect hears 410.
                            try await writer.write(ByteBuffer(bytes: ServerSentEvents.comment(deleted.description)))
                            break
                        }
                        if let batch = read {
                            try await writer.write(batch.frames)
                            let full = batch.last - cursor >= Int64(batchSize)
                            cursor = batch.last
                            // Catching up: read on. Else wait, which returns at once
                            // when more has arrived, or joins the stream's pending wake-up.
                            if full { continue }
                        }
                        if await !hub.waitForEntries(stream: stream, after: cursor, timeout: heartbeat),
                            !stopping.load(ordering: .relaxed)
                        {
                            try await writer.write(ByteBuffer(bytes: ServerSentEvents.comment("heartbeat")))
                        }
                    }
                } onGracefulShutdown: {
                    // End the stream cleanly; the client reconnects with Last-Event-ID.
                    stopping.store(true, ordering: .relaxed)
                    hub.interruptWaiters(stream: stream)
                }
                try await writer.finish(nil)
            }
        )
    }

    /// 410 for a start before the oldest offset retention kept: the client learns where to
    /// resume instead of silently skipping what was deleted.
    static func refuseDeleted(_ start: Int64, stream: String, hub: StreamHub) throws(HTTPProblem) {
        let oldest = hub.oldest(stream: stream)
        guard start + 1 < oldest else { return }
        throw HTTPProblem(
            status: 410,
            slug: "offsets-deleted",
            title: "Offsets deleted",
            detail: OffsetsDeleted(stream: stream, oldest: oldest).description
        )
    }

    /// `Last-Event-ID` wins over `?after=` (it is what a reconnecting client sends); with
    /// neither, the subscriber starts at the head and sees only new events.
    private func startOffset(_ request: Request, stream: String) async throws -> Int64 {
        if let header = request.headers[.init("Last-Event-ID")!] {
            guard let offset = Int64(header.trimmingCharacters(in: .whitespaces)), offset >= 0 else {
                throw HTTPProblem.malformed("Last-Event-ID must be a stream offset (a whole number ≥ 0), got '\(header)'")
            }
            return offset
        }
        if let after = try StreamWebSocketResponder.requestedStart(request) { return after }
        return try await hub.head(stream: stream)
    }
}
