import Foundation
import HTTPTypes
import ListeningPostCore
import ListeningPostKit
import ListeningPostTesting
import SMSAdapter
import ServiceLifecycle
import Testing

/// What happens across several requests: repeats, concatenated parts in any order, a
/// restart while parts wait, the timeout, and a log that cannot commit.
@Suite struct SMSBehaviourTests {
    static func adapter(_ yaml: String, sink: RecordingSink, clock: ManualClock) throws -> any ChannelAdapter {
        let registry = AdapterRegistry([SMSAdapter.self])
        let config = try ConfigLoader(registry: registry, environment: [:]).load(text: "channels:\n  - id: sms\n    type: sms\n" + yaml)
        return try ChannelAssembly.instantiate(config, registry: registry) { .testing(channel: $0.identity, sink: sink, clock: clock) }[0].adapter
    }

    static func get(_ adapter: any ChannelAdapter, _ query: String) async -> (status: Int, body: JSONValue?) {
        let endpoint = adapter.endpoints.first { $0.method == .get }!
        let head = HTTPRequest(method: .get, scheme: "http", authority: "gateway", path: endpoint.path + "?" + query)
        let response = await endpoint.handler(InboundHTTPRequest(head: head, body: []))
        return (response.status.code, try? JSONValue.parse(response.body))
    }

    static let vonage = "    provider: vonage\n    path: /hooks/vonage\n    insecure: true\n"

    static func part(_ number: Int, of total: Int, text: String, id: String? = nil, reference: String = "A7") -> String {
        "msisdn=447700900123&to=447700900000&messageId=\(id ?? "0B00000000000\(number)")&text=\(text)&type=text&concat=true&concat-ref=\(reference)&concat-total=\(total)&concat-part=\(number)"
    }

    /// Runs the adapter (so concatenated parts are processed) for the body's duration.
    static func running<T>(_ adapter: any ChannelAdapter, _ body: () async throws -> T) async rethrows -> T {
        let task = Task { try await adapter.run() }
        defer { task.cancel() }
        return try await body()
    }

    @Test func sameMessageSidTwiceIsOneEvent() async throws {
        let sink = RecordingSink()
        let adapter = try Self.adapter(
            "    provider: twilio\n    path: /hooks/twilio\n    insecure: true\n",
            sink: sink,
            clock: ManualClock(now: Date())
        )
        let endpoint = adapter.endpoints.first { $0.method == .post }!
        let head = HTTPRequest(
            method: .post,
            scheme: "http",
            authority: "gateway",
            path: "/hooks/twilio",
            headerFields: [.contentType: "application/x-www-form-urlencoded"]
        )
        let body = Array("MessageSid=SM00000000000000000000000000000001&From=%2B12125550123&To=%2B14155550100&Body=hi".utf8)
        for _ in 0..<2 {
            let response = await endpoint.handler(InboundHTTPRequest(head: head, body: body))
            #expect(response.status == .ok)
            #expect(String(decoding: response.body, as: UTF8.self) == #"<?xml version="1.0" encoding="UTF-8"?><Response />"#)
        }
        #expect(sink.messages.count == 1)
    }

    @Test func partsInAnyOrderBecomeOneEvent() async throws {
        let sink = RecordingSink()
        let adapter = try Self.adapter(Self.vonage, sink: sink, clock: ManualClock(now: Date()))
        try await Self.running(adapter) {
            let third = await Self.get(adapter, Self.part(3, of: 3, text: "day."))
            #expect(third.status == 200)
            #expect(third.body?.objectValue?["status"] == "waiting")
            _ = await Self.get(adapter, Self.part(1, of: 3, text: "Thanks+for+the+quick+"))
            #expect(sink.messages.isEmpty)
            let last = await Self.get(adapter, Self.part(2, of: 3, text: "reply%2C+have+a+nice+"))
            #expect(last.body?.objectValue?["id"] != nil)
        }
        #expect(sink.messages.count == 1)
        let message = try #require(sink.messages.first)
        #expect(message.text == "Thanks for the quick reply, have a nice day.")
        #expect(message.author.phone == "+447700900123")
        #expect(message.dedupKey == "concat:0B000000000001+0B000000000002+0B000000000003")
        #expect(!message.flags.contains(.incomplete))
    }

    @Test func waitingPartsSurviveARestart() async throws {
        let sink = RecordingSink()
        let clock = ManualClock(now: Date())
        let before = try Self.adapter(Self.vonage, sink: sink, clock: clock)
        try await Self.running(before) {
            _ = await Self.get(before, Self.part(1, of: 2, text: "first+half+"))
        }
        // A new instance, as after a restart: the waiting part comes back from the checkpoint.
        let after = try Self.adapter(Self.vonage, sink: sink, clock: clock)
        try await Self.running(after) {
            _ = await Self.get(after, Self.part(2, of: 2, text: "second+half"))
        }
        #expect(sink.messages.map(\.text) == ["first half second half"])
    }

    @Test func aRepeatedPartChangesNothing() async throws {
        let sink = RecordingSink()
        let adapter = try Self.adapter(Self.vonage, sink: sink, clock: ManualClock(now: Date()))
        try await Self.running(adapter) {
            _ = await Self.get(adapter, Self.part(1, of: 2, text: "a"))
            #expect(await Self.get(adapter, Self.part(1, of: 2, text: "a")).body?.objectValue?["status"] == "duplicate")
            _ = await Self.get(adapter, Self.part(2, of: 2, text: "b"))
            // Vonage retrying a part of a message already stored.
            #expect(await Self.get(adapter, Self.part(2, of: 2, text: "b")).body?.objectValue?["status"] == "duplicate")
        }
        #expect(sink.messages.map(\.text) == ["ab"])
    }

    @Test func anIncompleteSetIsStoredFlaggedAfterTheTimeout() async throws {
        let sink = RecordingSink()
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = ManualClock(now: start)
        let adapter = try Self.adapter(Self.vonage + "    vonage:\n      concat_timeout: 2m\n", sink: sink, clock: clock)
        try await Self.running(adapter) {
            _ = await Self.get(adapter, Self.part(1, of: 3, text: "only+the+start"))
            clock.set(start.addingTimeInterval(121))
            for _ in 0..<50 where sink.messages.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
        }
        let message = try #require(sink.messages.first)
        #expect(message.flags.contains(.incomplete))
        #expect(message.text == "only the start")
        #expect(message.metadata["vonage"]?.objectValue?["partsReceived"] == [1])
    }

    @Test func aPartTheLogCannotStoreIsRefusedAndCanBeRetried() async throws {
        let sink = RecordingSink()
        let adapter = try Self.adapter(Self.vonage, sink: sink, clock: ManualClock(now: Date()))
        try await Self.running(adapter) {
            sink.setFailing(true)
            #expect(await Self.get(adapter, Self.part(1, of: 2, text: "a")).status == 503)
            sink.setFailing(false)
            #expect(await Self.get(adapter, Self.part(1, of: 2, text: "a")).body?.objectValue?["status"] == "waiting")
            #expect(await Self.get(adapter, Self.part(2, of: 2, text: "b")).status == 200)
        }
        #expect(sink.messages.map(\.text) == ["ab"])
    }
}
