import DiscourseAdapter
import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import Logging
import ServiceLifecycle
import Testing

/// Polling against a local forum over real HTTP: paging back to the cursor, the cursor
/// committed with the posts, and failures that back off without moving it.
@Suite(.serialized) struct DiscoursePollingTests {
    static func adapter(port: Int, sink: RecordingSink, extra: String = "") throws -> any ChannelAdapter {
        let yaml = """
            channels:
              - id: forum
                type: discourse
                base_url: http://127.0.0.1:\(port)
                poll:
                  api_key: test-key-123
                  interval: 100ms
                  retry_base: 100ms
            \(extra)
            """
        let registry = AdapterRegistry([DiscourseAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: yaml)
        return try ChannelAssembly.instantiate(config, registry: registry) {
            .testing(channel: $0.identity, sink: sink, clock: SystemAdapterClock(), http: AsyncHTTPOutboundClient())
        }[0].adapter
    }

    /// Runs the adapter until `done` holds (or 10 s pass).
    static func run(_ adapter: any ChannelAdapter, until done: @escaping @Sendable () -> Bool) async throws {
        let task = Task { try await adapter.run() }
        defer { task.cancel() }
        for _ in 0..<100 where !done() { try await Task.sleep(for: .milliseconds(100)) }
    }

    @Test func firstPollWithBackfillImportsOldestFirstAcrossPages() async throws {
        let forum = FakeForum(createdAt: { _ in RFC3339.string(from: Date().addingTimeInterval(-3600)) })
        forum.add(posts: 1...120)
        let sink = RecordingSink()
        try await forum.serve { port in
            let adapter = try Self.adapter(port: port, sink: sink, extra: "      backfill: 2h")
            try await Self.run(adapter) { sink.messages.count >= 120 }
        }
        #expect(sink.messages.map(\.dedupKey) == (1...120).map { "post:\($0)" })
        #expect(sink.checkpoint == #"{"lastPostId":120}"#)
        #expect(forum.requests.contains("/posts.json?before=71"))
    }

    @Test func firstPollWithoutBackfillStartsAtTheNewestPostThenTakesOnlyNewOnes() async throws {
        let forum = FakeForum()
        forum.add(posts: 1...30)
        let sink = RecordingSink()
        try await forum.serve { port in
            let adapter = try Self.adapter(port: port, sink: sink)
            try await Self.run(adapter) { sink.checkpoint != nil }
            #expect(sink.messages.isEmpty)
            forum.add(posts: 31...33)
            try await Self.run(adapter) { sink.messages.count >= 3 }
        }
        #expect(sink.messages.map(\.dedupKey) == ["post:31", "post:32", "post:33"])
        let first = try #require(sink.messages.first)
        #expect(first.text == "Post number 31")
        #expect(first.author.handle == "user31")
        #expect(first.conversationId == "1003")
        #expect(first.metadata["discourse"]?.objectValue?["categoryId"] == 4)
    }

    @Test func failuresBackOffWithoutMovingTheCursorAndARestartRepeatsNothing() async throws {
        let forum = FakeForum(createdAt: { _ in RFC3339.string(from: Date()) })
        forum.add(posts: 1...5)
        let sink = RecordingSink()
        try await forum.serve { port in
            try await Self.run(try Self.adapter(port: port, sink: sink, extra: "      backfill: 1h")) { sink.messages.count >= 5 }
            forum.add(posts: 6...8)
            forum.fail(.init(status: .internalServerError, body: "boom"))
            forum.fail(.init(status: .ok, body: "<html>not json</html>"))
            forum.fail(.init(status: .tooManyRequests, body: "slow down", retryAfter: "1"))
            // A new adapter instance: as after a restart, it starts from the committed cursor.
            try await Self.run(try Self.adapter(port: port, sink: sink, extra: "      backfill: 1h")) { sink.messages.count >= 8 }
        }
        #expect(sink.messages.map(\.dedupKey) == (1...8).map { "post:\($0)" })
        #expect(sink.checkpoint == #"{"lastPostId":8}"#)
    }
}
