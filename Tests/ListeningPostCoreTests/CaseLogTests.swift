import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostStore
import ListeningPostTesting
import Logging
import Metrics
import Testing

/// Cases and a real log, on each backend: a message and the case it opens are one
/// transaction, a duplicate delivery plans nothing, and a restart rebuilds the same case table.
@Suite struct CaseLogTests {
    static func withSink<T: Sendable>(
        _ backend: LogBackend,
        place: String,
        pollInterval: Duration = .seconds(1),
        listensForHints: Bool = true,
        _ body: @Sendable (ChannelSink, any DurableEventLog, CaseProjection) async throws -> T
    ) async throws -> T {
        let config = try ConfigLoader(registry: AdapterRegistry([EchoAdapter.self]), environment: [:]).load(text: CaseLoopTests.yaml)
        let projection = CaseProjection(settings: config.cases)
        let log = try await backend.open(
            place,
            onCommit: { projection.committed($0) },
            followUps: projection,
            pollInterval: pollInterval,
            listensForHints: listensForHints
        )
        try await projection.rebuild(from: log, logger: Logger(label: "test"))
        let router = EventRouter(rules: config.routing, directory: config.customers.directory, cases: config.cases)
        let sink = ChannelSink(
            channel: ChannelIdentity(id: "mail", kind: "echo"),
            log: log,
            ids: EventIDGenerator(),
            metrics: ChannelMetrics(channel: "mail", factory: NOOPMetricsHandler.instance),
            router: router,
            effects: LoopIngestEffects()
        )
        return try await LogBackend.running(log) { log in try await body(sink, log, projection) }
    }

    static func detractor(_ key: String, from email: String = "ann@example.com", score: Int = 2) -> InboundMessage {
        InboundMessage(dedupKey: key, author: Author(email: email), text: "not happy", feedback: Feedback(score: score))
    }

    @Test(arguments: LogBackend.allCases)
    func aMessageAndItsCaseCommitTogetherAndADuplicatePlansNothing(_ backend: LogBackend) async throws {
        let place = backend.freshPlace()
        try await Self.withSink(backend, place: place) { sink, log, projection in
            let first = try await sink.submit([Self.detractor("m1")], checkpoint: nil)
            let cases = try await log.read(stream: CaseEvent.stream, after: 0, limit: 10)
            #expect(cases.map(\.eventType) == ["com.listeningpost.case.opened.v1"])
            let opened = try #require(CaseEvent(event: cases[0].payload))
            #expect(opened.details["message"]?.stringValue == first[0].eventId)
            // The message is before its case on `all`, in the same commit.
            let all = try await log.read(stream: "all", after: 0, limit: 10)
            #expect(all.map(\.eventId) == [first[0].eventId, opened.id])

            // Redelivered: a duplicate, and nothing joins or opens.
            let again = try await sink.submit([Self.detractor("m1")], checkpoint: nil)
            #expect(again[0].duplicate)
            #expect(try await log.headOffset(stream: CaseEvent.stream) == 1)

            // A new message from her in the same batch as a new customer's detractor.
            _ = try await sink.submit([Self.detractor("m2", score: 5), Self.detractor("m3", from: "bob@example.com")], checkpoint: nil)
            let kinds = try await log.read(stream: CaseEvent.stream, after: 1, limit: 10).map(\.eventType)
            #expect(kinds == ["com.listeningpost.case.rescored.v1", "com.listeningpost.case.message_added.v1", "com.listeningpost.case.opened.v1"])
            #expect(projection.read { $0.unclosedCount } == 2)
        }
        // After a restart the table is rebuilt from the log and a later message still joins.
        try await Self.withSink(backend, place: place) { sink, log, projection in
            #expect(projection.read { $0.unclosedCount } == 2)
            _ = try await sink.submit([Self.detractor("m4", from: "bob@example.com", score: 1)], checkpoint: nil)
            let last = try await log.read(stream: CaseEvent.stream, after: 4, limit: 10).map(\.eventType)
            #expect(last == ["com.listeningpost.case.rescored.v1", "com.listeningpost.case.message_added.v1"])
            #expect(projection.read { $0.cases.count } == 2)
        }
    }

    @Test func twoGatewaysPlanOneCaseForOneCustomerWhicheverReceivesHerMessages() async throws {
        let place = LogBackend.postgres.freshPlace()
        // No hints and a poll longer than the test: each learns of the other's cases only
        // by planning.
        try await Self.withSink(.postgres, place: place, pollInterval: .seconds(60), listensForHints: false) { sinkA, log, projectionA in
            try await Self.withSink(.postgres, place: place, pollInterval: .seconds(60), listensForHints: false) { sinkB, _, projectionB in
                _ = try await sinkA.submit([Self.detractor("a1")], checkpoint: nil)
                #expect(projectionB.read { $0.cases.count } == 0)
                _ = try await sinkB.submit([Self.detractor("b1", score: 4)], checkpoint: nil)
                let kinds = try await log.read(stream: CaseEvent.stream, after: 0, limit: 10).map(\.eventType)
                #expect(
                    kinds == ["com.listeningpost.case.opened.v1", "com.listeningpost.case.rescored.v1", "com.listeningpost.case.message_added.v1"]
                )
                #expect(projectionB.read { $0.cases.count } == 1)
                // And back: A's next message joins the case B last changed.
                _ = try await sinkA.submit([Self.detractor("a2", score: 3)], checkpoint: nil)
                let later = try await log.read(stream: CaseEvent.stream, after: 3, limit: 10).map(\.eventType)
                #expect(later.last == "com.listeningpost.case.message_added.v1" && !later.contains("com.listeningpost.case.opened.v1"), "\(later)")
                #expect(projectionA.read { $0.cases.count } == 1)
            }
        }
    }
}
