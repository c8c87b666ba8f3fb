import Hummingbird
import ListeningPostCore
import ListeningPostKit
import ListeningPostPostgres
import ListeningPostStore
import Metrics
import Prometheus

/// `/healthz` (the process answers), `/readyz` (the log is writable and every channel's
/// adapter has started), `/metrics` (Prometheus text) and `/openapi.json` (the API's OpenAPI
/// 3.1 document, docs/openapi.json).
struct HealthRoutes: Sendable {
    let gateway: Gateway

    func register(on router: Router<some RequestContext>) {
        router.get("/healthz") { _, _ in
            Response.json(.ok, ["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            self.readiness()
        }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        let logSize = Gauge(label: "listening_post_log_size_bytes", factory: gateway.metricsFactory)
        // With PostgreSQL: the read connections (the pool without the commit, listen and
        // lease connections) in use and waited for, and the leases this gateway holds.
        let readLinksBusy = Gauge(label: "listening_post_postgres_read_connections_busy", factory: gateway.metricsFactory)
        let readLinksWaiting = Gauge(label: "listening_post_postgres_read_waiting", factory: gateway.metricsFactory)
        let readLinks = Gauge(label: "listening_post_postgres_read_connections", factory: gateway.metricsFactory)
        let leasesHeld = Gauge(label: "listening_post_leases_held", factory: gateway.metricsFactory)
        let gateway = self.gateway
        router.get("/metrics") { _, _ in
            // Read at scrape time: a stat of three files, never stale. The SQLite log only:
            // PostgreSQL's size is the database's to report.
            let measured = await gateway.log.measurements()
            if let bytes = measured.bytesOnDisk { logSize.record(Double(bytes)) }
            // And each stream's oldest offset, from memory: what retention has left.
            for (stream, oldest) in measured.oldestOffsets {
                Gauge(label: "listening_post_stream_oldest_offset", dimensions: [("stream", stream)], factory: gateway.metricsFactory).record(
                    Double(oldest)
                )
            }
            if let use = measured.readConnections {
                readLinksBusy.record(Double(use.busy))
                readLinksWaiting.record(Double(use.waiting))
                readLinks.record(Double(use.size))
                leasesHeld.record(Double(gateway.leases?.standingByName.values.filter { $0 != .standby }.count ?? 0))
            }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: self.gateway.metricsRegistry.emitToBuffer()))
            )
        }
    }

    /// Ready when the log takes writes and no adapter is still starting. A failing channel
    /// is reported (and makes the status `degraded`) but does not make the gateway unready:
    /// a mailbox being down must not pull webhooks out of a load balancer. Nor does a
    /// channel in `standby`: another gateway on the shared log runs it.
    func readiness() -> Response {
        var channels: [String: JSONValue] = [:]
        var started = true
        var degraded = false
        let leases = gateway.leases?.standingByName ?? [:]
        for supervisor in gateway.supervisors {
            if leases[Gateway.channelKey(supervisor.channel)] == .standby {
                channels[supervisor.channel] = ["status": "standby"]
                continue
            }
            switch supervisor.currentStatus {
            case .starting:
                started = false
                channels[supervisor.channel] = ["status": "starting"]
            case .running:
                channels[supervisor.channel] = ["status": "running"]
            case .failing(let reason):
                degraded = true
                channels[supervisor.channel] = ["status": "failing", "error": .string(reason)]
            case .stopped:
                started = false
                channels[supervisor.channel] = ["status": "stopped"]
            }
        }
        let writable = gateway.log.isWritable
        let ready = writable && started
        let status = ready ? (degraded ? "degraded" : "ready") : "unready"
        let generation = gateway.generation
        let config: JSONValue = ["generation": .number(Double(generation.number)), "applied_at": .string(RFC3339.string(from: generation.appliedAt))]
        var body: [String: JSONValue] = [
            "status": .string(status), "log": .string(writable ? "writable" : "unwritable"),
            "store": .string(gateway.log is PostgresEventLog ? "postgres" : "sqlite"),
            "channels": .object(channels), "config": config,
        ]
        if let keeper = gateway.leases {
            var standings: [String: JSONValue] = [:]
            for (name, standing) in leases {
                switch standing {
                case .standby: standings[name] = ["status": "standby"]
                case .held(let epoch): standings[name] = ["status": "held", "epoch": .number(Double(epoch))]
                }
            }
            body["leases"] = ["holder": .string(keeper.holder), "leases": .object(standings)]
        }
        return .json(ready ? .ok : .serviceUnavailable, .object(body))
    }
}

extension Response {
    static func json(_ status: HTTPResponse.Status, _ value: JSONValue) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: value.compactJSON())))
    }
}
