import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import Synchronization
import Testing

/// Case clocks and cases against the binary, killed with SIGKILL: a breach is stored within
/// a second of its due time; a gateway down across a due time stores the breach once at
/// start, with the true due time; and a detractor submitted during a kill has its case
/// after restart exactly when its request was acknowledged.
@Suite(.serialized) struct CaseTimerCrashTests {
    static let operatorToken = "desk-token-0123456789"

    static func config(_ directory: String, firstResponse: String) throws -> String {
        try ExecPluginTests.config(
            directory,
            channel: """
                  - id: survey
                    type: webhook
                    path: /hooks/survey
                    insecure: true
                    mapping:
                      dedup_key: /id
                      text: /reason
                      author_email: /email
                      score: /score
                      reason: /reason
                """,
            streams: "\"*\"",
            extra: """
                cases:
                  rules:
                    - name: detractors
                      when: {feedback: detractor}
                      first_response: \(firstResponse)
                operators:
                  - name: desk
                    token: \(Self.operatorToken)
                    scopes: [cases]
                """
        )
    }

    static func detractor(_ port: Int, id: String, email: String) async throws -> (status: Int, json: JSONValue?) {
        try await GatewayHarness.post(
            port,
            "/hooks/survey",
            body: GatewayHarness.json(["id": .string(id), "email": .string(email), "score": 2, "reason": "slow"])
        )
    }

    /// Every case event stored, decoded.
    static func caseEvents(_ port: Int) async throws -> [CaseEvent] {
        let head = try await CrashSafetyTests.head(port: port, stream: CaseEvent.stream)
        guard head > 0 else { return [] }
        let events = try await GatewayHarness.readEvents(port, stream: CaseEvent.stream, query: "?after=0", count: Int(head))
        return events.compactMap { CaseEvent(event: Array($0.data.utf8)) }
    }

    static func waitFor(_ port: Int, timeout: Duration = .seconds(10), until done: ([CaseEvent]) -> Bool) async throws -> [CaseEvent] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let events = try await caseEvents(port)
            if done(events) || ContinuousClock.now > deadline { return events }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aBreachIsStoredWithinASecondOfItsDueTime() async throws {
        let directory = try ExecPluginTests.workspace("case-breach-live")
        let gateway = try await GatewayProcess.start(config: try Self.config(directory, firstResponse: "2s"), logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        var lateness: [Double] = []
        for index in 0..<5 {
            #expect(try await Self.detractor(gateway.port, id: "live-\(index)", email: "live\(index)@example.com").status == 202)
            try await Task.sleep(for: .milliseconds(150))
        }
        let events = try await Self.waitFor(gateway.port) { $0.filter { $0.kind == .slaBreached }.count == 5 }
        let breaches = events.filter { $0.kind == .slaBreached }
        #expect(breaches.count == 5)
        for breach in breaches {
            let due = try #require(breach.details["due"]?.dateValue)
            lateness.append(breach.time.timeIntervalSince(due))
        }
        #expect(lateness.allSatisfy { $0 >= 0 && $0 < 1 }, "breach recorded this long after its due time: \(lateness)")
    }

    @Test func aGatewayDownAcrossADueTimeStoresTheBreachOnceWithTheTrueDueTime() async throws {
        let directory = try ExecPluginTests.workspace("case-breach-crash")
        let configPath = try Self.config(directory, firstResponse: "4s")
        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        #expect(try await Self.detractor(first.port, id: "r1", email: "ann@example.com").status == 202)
        let opened = try #require(try await Self.caseEvents(first.port).first)
        let due = try #require(CaseRecord(opened: opened)?.targets["first_response"]?.due)

        // Killed one second before the due time; back a minute later.
        try await Task.sleep(for: .seconds(max(0, due.timeIntervalSinceNow - 1)))
        #expect(try await Self.caseEvents(first.port).filter { $0.kind == .slaBreached }.isEmpty, "not due yet")
        first.signal(SIGKILL)
        _ = await first.waitForExit()
        try await Task.sleep(for: .seconds(60))

        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        var breaches = try await Self.waitFor(second.port) { $0.contains { $0.kind == .slaBreached } }.filter { $0.kind == .slaBreached }
        #expect(breaches.count == 1)
        #expect(breaches.first?.details["due"]?.dateValue == due, "the event carries the true due time")
        #expect((breaches.first?.details["recordedLateSeconds"]?.intValue ?? 0) >= 55)
        #expect((breaches.first?.time ?? .distantPast) > due.addingTimeInterval(55))
        second.signal(SIGKILL)
        _ = await second.waitForExit()

        // A third start finds it stored: still one.
        let third = try await GatewayProcess.start(config: configPath, logFile: directory + "/third.log")
        defer { third.signal(SIGKILL) }
        try await Task.sleep(for: .milliseconds(500))
        breaches = try await Self.caseEvents(third.port).filter { $0.kind == .slaBreached }
        #expect(breaches.count == 1)
        let list = try await GatewayHarness.get(third.port, "/v1/cases?breached=true", token: Self.operatorToken)
        #expect(list.status == 200)
        #expect(try JSONValue.parse(Array(list.body.utf8)).objectValue?["total"] == .number(1))
    }

    @Test func aDetractorHasItsCaseAfterAKillExactlyWhenItWasAcknowledged() async throws {
        let directory = try ExecPluginTests.workspace("case-crash-ingest")
        let configPath = try Self.config(directory, firstResponse: "1h")
        let first = try await GatewayProcess.start(config: configPath, logFile: directory + "/first.log")
        let load = LoadRecord()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    var index = 0
                    while !load.stopped {
                        let id = "w\(worker)-\(index)"
                        index += 1
                        guard let answer = try? await Self.detractor(first.port, id: id, email: "\(id)@example.com") else { return }
                        if answer.status == 202, let eventId = answer.json?.objectValue?["id"]?.stringValue {
                            load.ack(id, eventId)
                        }
                    }
                }
            }
            group.addTask {
                while load.acknowledged.count < 300 { try await Task.sleep(for: .milliseconds(5)) }
                first.signal(SIGKILL)
                _ = await first.waitForExit()
                load.stop()
            }
            try await group.waitForAll()
        }
        let second = try await GatewayProcess.start(config: configPath, logFile: directory + "/second.log")
        defer { second.signal(SIGKILL) }
        let head = try await CrashSafetyTests.head(port: second.port, stream: "survey")
        let messages = try await GatewayHarness.readEvents(second.port, stream: "survey", query: "?after=0", count: Int(head)).map {
            try MessageEvent.decode(Array($0.data.utf8))
        }
        let opened = try await Self.caseEvents(second.port).filter { $0.kind == .opened }
        let caseFor = Dictionary(grouping: opened) { $0.details["message"]?.stringValue ?? "" }
        // Every stored detractor has exactly one case; every case has its message.
        for message in messages {
            #expect(caseFor[message.id]?.count == 1, "\(message.data.dedupKey) has \(caseFor[message.id]?.count ?? 0) case(s)")
        }
        #expect(Set(caseFor.keys) == Set(messages.map(\.id)), "a case without its message")
        // Every acknowledged detractor is stored, with the id it was acknowledged with.
        let stored = Dictionary(uniqueKeysWithValues: messages.map { ($0.data.dedupKey, $0.id) })
        for (id, eventId) in load.acknowledged { #expect(stored[id] == eventId, "acknowledged \(id) lost") }
        #expect(load.acknowledged.count >= 300)
    }
}
