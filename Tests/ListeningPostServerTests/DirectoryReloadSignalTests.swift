import Foundation
import ListeningPostCore
import ListeningPostKit
import Testing

/// SIGHUP against the real binary (which reloads the whole config): the customer file is reloaded even when its size and
/// modification time did not change (so the file watcher cannot be what noticed), and a
/// gateway without a customer file shrugs SIGHUP off instead of dying.
@Suite struct DirectoryReloadSignalTests {
    @Test func sighupReloadsTheCustomerFile() async throws {
        let directory = NSTemporaryDirectory() + "lp-hup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let csv = directory + "/customers.csv"
        try "id,emails\ncus_a,hup@example.com\n".write(toFile: csv, atomically: false, encoding: .utf8)
        let stamp = try FileManager.default.attributesOfItem(atPath: csv)[.modificationDate] as! Date
        try """
        server: {port: 0}
        store: {path: \(directory)/data}
        channels:
          - {id: form, type: webhook, path: /hooks/form, insecure: true, mapping: {dedup_key: /id}}
        customers: {file: \(csv)}
        subscribers:
          - {name: reader, token: \(GatewayHarness.readerToken), streams: "*"}
        """.write(toFile: directory + "/channels.yaml", atomically: true, encoding: .utf8)
        let gateway = try await GatewayProcess.start(config: directory + "/channels.yaml", logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }

        // Same size, same modification time: only SIGHUP can make the gateway look again.
        try "id,emails\ncus_b,hup@example.com\n".write(toFile: csv, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: csv)
        gateway.signal(SIGHUP)
        let deadline = ContinuousClock.now + .seconds(5)
        var log = ""
        while ContinuousClock.now < deadline, !log.contains("reloaded (SIGHUP)") {
            try await Task.sleep(for: .milliseconds(50))
            log = (try? String(contentsOfFile: directory + "/gateway.log", encoding: .utf8)) ?? ""
        }
        // SIGHUP re-reads the whole config, and the customer file with it.
        #expect(log.contains("config reloaded (SIGHUP): generation 2: no channel changed; 1 channel unchanged"))

        let answer = try await GatewayHarness.post(
            gateway.port,
            "/hooks/form",
            body: GatewayHarness.json(["id": "h1", "text": "hi", "email": "hup@example.com"])
        )
        #expect(answer.status == 202)
        let events = try await GatewayHarness.readEvents(gateway.port, stream: "form", query: "?after=0", count: 1)
        #expect(try MessageEvent.decode(Array(events[0].data.utf8)).data.customer?.id == "cus_b")
    }

    @Test func sighupWithoutACustomerFileDoesNotStopTheGateway() async throws {
        let directory = NSTemporaryDirectory() + "lp-hup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
        server: {port: 0}
        store: {path: \(directory)/data}
        channels:
          - {id: form, type: webhook, path: /hooks/form, insecure: true}
        """.write(toFile: directory + "/channels.yaml", atomically: true, encoding: .utf8)
        let gateway = try await GatewayProcess.start(config: directory + "/channels.yaml", logFile: directory + "/gateway.log")
        defer { gateway.signal(SIGKILL) }
        try await Task.sleep(for: .milliseconds(300))
        gateway.signal(SIGHUP)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await GatewayHarness.get(gateway.port, "/healthz", token: nil).status == 200)
    }
}
