import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdWSClient
import ListeningPostCore
import ListeningPostKit
import ListeningPostServer
import ListeningPostStore
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Synchronization
import TestSupport
import Testing

/// Push, dead letters, WebSocket acks and directory reloads against a live gateway and a
/// real receiver.
@Suite struct SubscriberDeliveryTests {
    static let crmToken = "crm-token-0123456789abc"

    static func pushSubscriber(port: Int, schedule: String) -> String {
        """
          - name: crm
            token: \(crmToken)
            streams: [survey]
            webhook:
              url: http://127.0.0.1:\(port)/hook
              secret: \(GatewayHarness.standardSecret)
              retry_schedule: \(schedule)
              timeout: 2s
        """
    }

    static func post(_ port: Int, _ key: String) async throws -> String {
        let answer = try await GatewayHarness.post(
            port,
            "/hooks/survey",
            body: GatewayHarness.json(["response_id": .string(key), "reason": .string("reason \(key)")])
        )
        #expect(answer.status == 202)
        return answer.json?.objectValue?["id"]?.stringValue ?? ""
    }

    static func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aReceiverThatFailsThreeTimesGetsEveryEventInOrderExactlyOnce() async throws {
        let receiver = try WebhookReceiver(secret: GatewayHarness.standardSecret, failFirst: 3)
        try await receiver.serve { receiverPort in
            try await GatewayHarness.withLiveGateway(extra: Self.pushSubscriber(port: receiverPort, schedule: "[50ms, 50ms, 50ms, 50ms]")) {
                gateway,
                port in
                var ids: [String] = []
                for index in 0..<5 { ids.append(try await Self.post(port, "push-\(index)")) }
                try await Self.eventually("five deliveries were taken") { receiver.taken.count >= 5 }
                try await Task.sleep(for: .milliseconds(200))
                #expect(receiver.taken.map(\.webhookId) == ids, "in order, each once")
                #expect(receiver.attempts == 8, "three failures, then five deliveries")
                #expect(receiver.badSignatures == 0)
                let first = try MessageEvent.decode(receiver.taken[0].body)
                #expect(first.id == ids[0])
                try await Self.eventually("the cursor is committed") { try await gateway.log.cursor(subscriber: "push:crm") == 5 }
            }
        }
    }

    @Test func deadLettersAreListedAndRedrivenWithTheSubscribersOwnToken() async throws {
        let receiver = try WebhookReceiver(secret: GatewayHarness.standardSecret)
        receiver.failAlways(true)
        try await receiver.serve { receiverPort in
            try await GatewayHarness.withLiveGateway(extra: Self.pushSubscriber(port: receiverPort, schedule: "[20ms, 20ms]")) { gateway, port in
                let first = try await Self.post(port, "dead-1")
                let second = try await Self.post(port, "dead-2")
                try await Self.eventually("both are dead letters") { try await gateway.log.deadLetters(subscriber: "crm").count == 2 }
                #expect(receiver.attempts == 6, "three attempts each, and the second waited for the first")

                let listed = try await GatewayHarness.get(port, "/v1/subscribers/crm/dead-letters", token: Self.crmToken)
                #expect(listed.status == 200)
                guard case .array(let letters)? = try JSONValue.parse(Array(listed.body.utf8)).objectValue?["deadLetters"] else {
                    Issue.record("no deadLetters list in \(listed.body)")
                    return
                }
                #expect(letters.compactMap { $0.objectValue?["eventId"]?.stringValue } == [first, second])
                #expect(letters.first?.objectValue?["attempts"] == .number(3))
                #expect(letters.first?.objectValue?["lastError"]?.stringValue?.contains("503") == true)
                #expect(letters.first?.objectValue?["event"]?.objectValue?["id"]?.stringValue == first)

                #expect(try await GatewayHarness.get(port, "/v1/subscribers/crm/dead-letters", token: GatewayHarness.readerToken).status == 403)
                #expect(try await GatewayHarness.get(port, "/v1/subscribers/crm/dead-letters", token: nil).status == 401)
                #expect(try await GatewayHarness.get(port, "/v1/subscribers/reader/dead-letters", token: GatewayHarness.readerToken).status == 404)

                receiver.failAlways(false)
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/subscribers/crm/dead-letters")
                request.method = .POST
                request.headers.add(name: "Authorization", value: "Bearer \(Self.crmToken)")
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                let body = try JSONValue.parse(Array(try await response.body.collect(upTo: 1 << 20).readableBytesView))
                #expect(response.status.code == 200)
                #expect(body.objectValue?["delivered"] == .array([.string(first), .string(second)]))
                #expect(receiver.taken.map(\.webhookId) == [first, second])
                #expect(try await gateway.log.deadLetters(subscriber: "crm").isEmpty)

                // The cursor moved past the dead letters: new events flow at once.
                let third = try await Self.post(port, "alive-3")
                try await Self.eventually("the next event is delivered") { receiver.taken.count == 3 }
                #expect(receiver.taken.last?.webhookId == third)
            }
        }
    }

    @Test func webSocketSendsEventsCommitsAcksAndResumesAfterTheAck() async throws {
        try await GatewayHarness.withLiveGateway { gateway, port in
            var ids: [String] = []
            for index in 0..<3 { ids.append(try await Self.post(port, "ws-\(index)")) }

            let firstSession = try await Self.readWebSocket(port: port, query: "?after=0", count: 3, ack: 2)
            #expect(firstSession.map(\.offset) == [1, 2, 3])
            #expect(firstSession.map(\.eventId) == ids)
            try await Self.eventually("the ack is committed") { try await gateway.log.cursor(subscriber: "ws:reader:survey") == 2 }

            // Reconnecting without `after` resumes after the committed ack.
            let resumed = try await Self.readWebSocket(port: port, query: "", count: 1, ack: nil)
            #expect(resumed.map(\.offset) == [3])

            await #expect(throws: (any Error).self) {
                _ = try await Self.readWebSocket(port: port, query: "", count: 1, ack: nil, token: nil)
            }
        }
    }

    struct Received: Sendable {
        var offset: Int64
        var eventId: String
    }

    static func readWebSocket(
        port: Int,
        query: String,
        count: Int,
        ack: Int64?,
        token: String? = GatewayHarness.readerToken
    ) async throws -> [Received] {
        var configuration = WebSocketClientConfiguration()
        if let token { configuration.additionalHeaders[.authorization] = "Bearer \(token)" }
        let received = Mutex<[Received]>([])
        let close = try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/v1/streams/survey/ws\(query)",
            configuration: configuration,
            logger: Logger(label: "ws-test")
        ) { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                guard case .text(let text) = message, case .object(let object) = try JSONValue.parse(Array(text.utf8)),
                    case .number(let offset)? = object["offset"], let id = object["event"]?.objectValue?["id"]?.stringValue
                else { continue }
                let done = received.withLock { list -> Bool in
                    list.append(Received(offset: Int64(offset), eventId: id))
                    return list.count >= count
                }
                if done { break }
            }
            if let ack {
                try await outbound.write(.text("{\"ack\":\(ack)}"))
                try await Task.sleep(for: .milliseconds(200))
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
        if received.withLock({ $0.isEmpty }), close?.closeCode != .normalClosure {
            throw WebSocketTestError(description: "the connection was refused or closed: \(String(describing: close))")
        }
        return received.withLock { $0 }
    }

    struct WebSocketTestError: Error, CustomStringConvertible {
        var description: String
    }

    @Test func aReloadedDirectoryAdoptsAProvisionalCustomerOnceAndABadFileKeepsTheOldOne() async throws {
        let directory = GatewayHarness.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let csv = directory + "/customers.csv"
        try "id,emails,tier\n".write(toFile: csv, atomically: true, encoding: .utf8)
        let extra = "customers:\n  file: \(csv)\n"
        try await GatewayHarness.withLiveGateway(extra: extra) { gateway, port in
            // Each post is the n-th event on stream survey.
            func postFromNewcomer(_ key: String, nth: Int) async throws -> MessageEvent {
                let answer = try await GatewayHarness.post(
                    port,
                    "/hooks/survey",
                    body: GatewayHarness.json(["response_id": .string(key), "reason": "hi", "email": "Newcomer+NPS@Example.com"])
                )
                let id = answer.json?.objectValue?["id"]?.stringValue
                let events = try await GatewayHarness.readEvents(port, stream: "survey", query: "?after=\(nth - 1)", count: 1).compactMap {
                    try? MessageEvent.decode(Array($0.data.utf8))
                }
                return try #require(events.first { $0.id == id })
            }
            let before = try await postFromNewcomer("m1", nth: 1)
            let provisional = try #require(before.data.customer)
            #expect(provisional.provisional)

            try "id,emails,tier\ncus_new,newcomer@example.com,gold\n".write(toFile: csv, atomically: true, encoding: .utf8)
            #expect(await gateway.directoryReloader.reload(reason: "test"))
            let after = try await postFromNewcomer("m2", nth: 2)
            #expect(after.data.customer == CustomerReference(id: "cus_new", provisional: false))

            let all = try await GatewayHarness.readEvents(port, stream: "all", query: "?after=0", count: 3)
            let merges = all.filter { $0.type == CustomerMerges.eventType }
            #expect(merges.count == 1)
            let merge = try JSONValue.parse(Array(merges[0].data.utf8)).objectValue?["data"]?.objectValue
            #expect(merge?["provisionalId"]?.stringValue == provisional.id)
            #expect(merge?["customerId"]?.stringValue == "cus_new")

            // Reloading the same directory records no second merge.
            #expect(await gateway.directoryReloader.reload(reason: "again"))
            #expect(try await gateway.hub.head(stream: "all") == 3)

            // A broken file is refused and the previous directory stays.
            try "id,emails\ncus_x,a@example.com\ncus_x,b@example.com\n".write(toFile: csv, atomically: true, encoding: .utf8)
            #expect(await !gateway.directoryReloader.reload(reason: "broken"))
            let still = try await postFromNewcomer("m3", nth: 3)
            #expect(still.data.customer?.id == "cus_new")
        }
    }
}
