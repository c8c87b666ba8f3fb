import AsyncHTTPClient
import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostTesting
import NIOCore
import NIOHTTP1
import Testing

/// SSE: offsets as ids, resume by Last-Event-ID or ?after=, nothing lost or repeated.
@Suite(.serialized) struct StreamEventsTests {
    static func post(_ port: Int, _ key: String) async throws {
        let answer = try await GatewayHarness.post(
            port,
            "/hooks/survey",
            body: GatewayHarness.json(["response_id": .string(key), "reason": .string("text \(key)")])
        )
        #expect(answer.status == 202)
    }

    @Test func reconnectWithLastEventIdLosesAndRepeatsNothing() async throws {
        try await GatewayHarness.withLiveGateway { _, port in
            for index in 1...5 { try await Self.post(port, "k\(index)") }
            let first = try await GatewayHarness.readEvents(port, stream: "all", query: "?after=0", count: 3)
            #expect(first.map(\.lastEventId) == ["1", "2", "3"])
            #expect(first.allSatisfy { $0.type == MessageEvent.messageReceivedType })
            // Disconnected after 3; two more arrive while away.
            for index in 6...7 { try await Self.post(port, "k\(index)") }
            let rest = try await GatewayHarness.readEvents(port, stream: "all", lastEventId: 3, count: 4)
            #expect(rest.map(\.lastEventId) == ["4", "5", "6", "7"])
            let keys = try (first + rest).map { try MessageEvent.decode(Array($0.data.utf8)).data.dedupKey }
            #expect(keys == (1...7).map { "k\($0)" })
        }
    }

    /// The stream's heartbeat is 15 s, after which an idle SSE loop reads the log anyway: a
    /// subscriber that has both events within 5 s of the posts was woken by the commit.
    @Test func liveSubscriberReceivesNewEventsAndPerChannelStreamsExist() async throws {
        try await GatewayHarness.withLiveGateway(heartbeat: "15s") { _, port in
            let reader = Task { try await GatewayHarness.readEvents(port, stream: "survey", count: 2) }
            try await Task.sleep(for: .milliseconds(200))
            try await Self.post(port, "live-1")
            try await Self.post(port, "live-2")
            let received = try await within(.seconds(5)) { try await reader.value }
            let events = try #require(received, "the subscriber was not woken by the commit")
            #expect(events.map(\.lastEventId) == ["1", "2"])
            let event = try MessageEvent.decode(Array(events[0].data.utf8))
            #expect(event.channel == "survey")
            #expect(event.source == "/channels/survey")
        }
    }

    @Test func idleStreamsGetHeartbeats() async throws {
        try await GatewayHarness.withLiveGateway(heartbeat: "100ms") { _, port in
            var request = HTTPClientRequestBuilder.get(port, "/v1/streams/all/events")
            request.headers.add(name: "Accept", value: "text/event-stream")
            let response = try await HTTPClientShared.execute(request)
            var text = ""
            for try await chunk in response.body {
                text += String(buffer: chunk)
                if text.components(separatedBy: ": heartbeat").count > 2 { break }
            }
            #expect(text.hasPrefix("retry: 2000"))
        }
    }

    @Test func everyStreamEndpointNeedsATokenThatGrantsTheStream() async throws {
        try await GatewayHarness.withLiveGateway { _, port in
            let none = try await GatewayHarness.get(port, "/v1/streams/all/events", token: nil)
            #expect(none.status == 401)
            #expect(none.body.contains("Authorization: Bearer"))
            let wrong = try await GatewayHarness.get(port, "/v1/streams/all/events", token: "not-a-token-at-all")
            #expect(wrong.status == 401)
            #expect(!wrong.body.contains("not-a-token-at-all"))
            let other = try await GatewayHarness.get(port, "/v1/streams/all/events", token: GatewayHarness.surveyToken)
            #expect(other.status == 403)
            #expect(other.body.contains("survey-only"))
            let unknown = try await GatewayHarness.get(port, "/v1/streams/secret-stream/events", token: GatewayHarness.surveyToken)
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("your streams: survey)"), "names only the streams the token may read")
            let listed = try await GatewayHarness.get(port, "/v1/streams", token: GatewayHarness.surveyToken)
            #expect(listed.status == 200)
            #expect(listed.body == #"{"streams":[{"head":0,"name":"survey","oldest":1}]}"#)
            #expect(try await GatewayHarness.get(port, "/v1/streams", token: nil).status == 401)

            let answer = try await GatewayHarness.post(port, "/hooks/survey", body: GatewayHarness.json(["response_id": "auth-1", "reason": "ok"]))
            #expect(answer.status == 202)
            let events = try await GatewayHarness.readEvents(port, stream: "survey", query: "?after=0", count: 1, token: GatewayHarness.surveyToken)
            #expect(events.count == 1)
        }
    }

    @Test func unknownStreamAndBadCursorGetProblems() async throws {
        try await GatewayHarness.withLiveGateway { _, port in
            let unknown = try await GatewayHarness.get(port, "/v1/streams/nope/events")
            #expect(unknown.status == 404)
            #expect(unknown.body.contains("unknown-stream"))
            let bad = try await GatewayHarness.get(port, "/v1/streams/all/events?after=-3")
            #expect(bad.status == 400)
        }
    }
}
