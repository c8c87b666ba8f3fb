import Foundation
import Hummingbird
import HummingbirdWebSocket
import ListeningPostCore
import ListeningPostKit
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// A gateway assembled from a config: the durable log, the stream hub, every channel's
/// adapter under a supervisor, and the HTTP application that serves them — one
/// `ServiceGroup` (the application's). Its order makes shutdown safe: the HTTP server stops
/// taking requests and drains first, then the adapters stop, and the log, listed first,
/// commits what is queued and closes last.
public final class Gateway: Sendable {
    /// The validated config.
    public let config: GatewayConfig
    /// The durable log.
    public let log: SQLiteEventLog
    /// Live fan-out of committed events.
    public let hub: StreamHub
    /// One supervisor per channel, in config order.
    public let supervisors: [AdapterSupervisor]
    /// The channels as built.
    public let channels: [ChannelAssembly.Channel]
    /// Enrichment and routing, with the live customer directory.
    public let router: EventRouter
    /// Keeps the directory current and records merges.
    public let directoryReloader: DirectoryReloader
    /// One pusher per subscriber with `webhook:` push, by subscriber name.
    public let pushers: [String: WebhookPusher]
    /// Every NPS answer in the log, for `GET /v1/nps` and the gauges.
    public let nps: NPSProjection
    /// Every case, for the case API, the loop metrics and the timers.
    public let cases: CaseProjection
    /// Appends warnings, breaches and unconfirmed closes when they come due.
    public let caseTimers: CaseTimers
    /// Every outgoing message.
    public let outbox: OutboxProjection
    /// One sender per channel that can send.
    public let senders: [OutboxSender]
    /// Addresses the gateway must not send to.
    public let suppressions: SuppressionList
    /// Prometheus registry behind `/metrics`.
    public let metricsRegistry: PrometheusCollectorRegistry
    let metricsFactory: PrometheusMetricsFactory
    let logger: Logger

    /// Opens the log and builds every adapter. Throws ``ConfigErrors`` for adapter config
    /// problems, or the log's error if the data directory cannot be used.
    public static func assemble(
        config: GatewayConfig, registry: AdapterRegistry, logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        clock: any AdapterClock = SystemAdapterClock()
    ) async throws -> Gateway {
        var factory = PrometheusMetricsFactory(registry: metricsRegistry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        let appendTimer = Timer(label: "listening_post_log_append_duration_seconds", factory: factory)
        let hubBox = HubBox()
        let cases = CaseProjection(settings: config.cases)
        let outbox = OutboxProjection()
        let suppressions = SuppressionList()
        let log = try await SQLiteEventLog.open(
            directory: config.store.dataDirectory, logger: logger,
            onCommit: { entries in
                // The case table first: a subscriber told of a case event can ask the API about it.
                cases.committed(entries)
                outbox.committed(entries)
                suppressions.committed(entries)
                hubBox.hub?.publish(entries)
                // A committed survey prompt is open from now on: replies routed next can answer it.
                for entry in entries where entry.stream == SurveyPrompt.stream {
                    if let prompt = SurveyPrompt(event: entry.payload) { hubBox.router?.record(prompt) }
                }
            },
            appendLatency: { duration in
                appendTimer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
            },
            followUps: cases)
        let hub = StreamHub(log: log)
        hubBox.hub = hub
        let ids = EventIDGenerator()
        let router = EventRouter(rules: config.routing, directory: config.customers.directory, promptWindow: config.nps.replyWindow, cases: config.cases)
        hubBox.router = router
        do {
            // The prompts in force are a projection of the `surveys` stream, rebuilt before any
            // channel starts, so a reply right after a restart still finds its prompt.
            try await log.replay(stream: SurveyPrompt.stream) { entries in
                for entry in entries { if let prompt = SurveyPrompt(event: entry.payload) { router.record(prompt) } }
            }
            // Cases too: a message right after a restart must join its customer's open case.
            try await cases.rebuild(from: log, logger: logger)
            try await outbox.rebuild(from: log, logger: logger)
            try await suppressions.rebuild(from: log, logger: logger)
        } catch {
            await log.close()
            throw error
        }
        let channels: [ChannelAssembly.Channel]
        do {
            channels = try ChannelAssembly.instantiate(config, registry: registry) { declaration in
            var channelLogger = logger
            channelLogger[metadataKey: "channel"] = "\(declaration.id)"
            let metrics = ChannelMetrics(channel: declaration.id, factory: factory)
            let sink = ChannelSink(channel: declaration.identity, log: log, ids: ids, metrics: metrics, router: router)
            return AdapterContext(channel: declaration.identity, logger: channelLogger, metrics: metrics, sink: sink, clock: clock, http: AsyncHTTPOutboundClient())
            }
        } catch {
            await log.close()
            throw error
        }
        let supervisors = channels.map {
            AdapterSupervisor(channel: $0.declaration.id, adapter: $0.adapter, context: $0.context)
        }
        var pushers: [String: WebhookPusher] = [:]
        for subscriber in config.subscribers where subscriber.push != nil {
            pushers[subscriber.name] = try WebhookPusher(
                subscriber: subscriber, hub: hub, log: log, http: AsyncHTTPOutboundClient(), logger: logger, metricsFactory: factory)
        }
        // One sender per channel whose adapter can send.
        var senders: [OutboxSender] = []
        for channel in channels {
            guard let sender = channel.adapter as? any ChannelSender, sender.canSend else { continue }
            let id = channel.declaration.id
            senders.append(OutboxSender(
                channel: id, sender: sender, projection: outbox, log: log, logger: logger, retrySchedule: config.outbox.retrySchedule,
                rateLimit: config.outbox.rateLimits[id], suppressions: suppressions))
        }
        let reloader = DirectoryReloader(settings: config.customers, router: router, log: log, ids: ids, logger: logger)
        let gauges = NPSGauges(factory: factory, window: config.nps.window)
        let nps = NPSProjection(hub: hub, logger: logger, onChange: { gauges.update($0) })
        return Gateway(
            config: config, log: log, hub: hub, supervisors: supervisors, channels: channels, router: router, directoryReloader: reloader,
            pushers: pushers, nps: nps, cases: cases, caseTimers: CaseTimers(projection: cases, log: log, logger: logger), outbox: outbox, senders: senders, suppressions: suppressions,
            metricsRegistry: metricsRegistry, metricsFactory: factory, logger: logger)
    }

    private init(
        config: GatewayConfig, log: SQLiteEventLog, hub: StreamHub, supervisors: [AdapterSupervisor], channels: [ChannelAssembly.Channel],
        router: EventRouter, directoryReloader: DirectoryReloader, pushers: [String: WebhookPusher], nps: NPSProjection,
        cases: CaseProjection, caseTimers: CaseTimers, outbox: OutboxProjection, senders: [OutboxSender], suppressions: SuppressionList, metricsRegistry: PrometheusCollectorRegistry, metricsFactory: PrometheusMetricsFactory, logger: Logger
    ) {
        self.config = config
        self.log = log
        self.hub = hub
        self.supervisors = supervisors
        self.channels = channels
        self.router = router
        self.directoryReloader = directoryReloader
        self.pushers = pushers
        self.nps = nps
        self.cases = cases
        self.caseTimers = caseTimers
        self.outbox = outbox
        self.senders = senders
        self.suppressions = suppressions
        self.metricsRegistry = metricsRegistry
        self.metricsFactory = metricsFactory
        self.logger = logger
    }

    /// Streams a subscriber may read: `all`, one per channel, the declared ones and the
    /// fallback.
    public var streamNames: Set<String> { config.streamNames }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: in-flight requests finish,
    /// adapters stop, the log commits what is queued.
    public func run() async throws {
        try await application().runService()
    }

    /// The HTTP application with the log and adapters as its services.
    /// - Parameter onServerRunning: called with the bound port once listening.
    public func application(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        for channel in channels {
            for endpoint in channel.adapter.endpoints {
                router.on(RouterPath(endpoint.path), method: endpoint.method, use: EndpointResponder(endpoint: endpoint).respond)
            }
        }
        let authenticator = SubscriberAuthenticator(subscribers: config.subscribers)
        let factory = self.metricsFactory
        let streams = StreamEventsResponder(
            hub: hub, streamNames: streamNames, authenticator: authenticator, heartbeat: config.server.sseHeartbeat,
            subscribers: { stream in Meter(label: "listening_post_subscribers", dimensions: [("stream", stream), ("transport", "sse")], factory: factory) })
        router.get("/v1/streams/{stream}/events", use: streams.respond)
        router.get("/v1/streams") { request, _ in
            let subscriber = try authenticator.authenticate(request)
            var list: [JSONValue] = []
            for name in self.streamNames.sorted() where subscriber.grants(name) {
                list.append(["name": .string(name), "head": .number(Double(try await self.hub.head(stream: name)))])
            }
            return Response.json(.ok, ["streams": .array(list)])
        }
        DeadLetterRoutes(log: log, authenticator: authenticator, pushers: pushers).register(on: router)
        if config.nps.enabled {
            NPSRoutes(projection: nps, hub: hub, authenticator: authenticator, settings: config.nps).register(on: router)
        }
        let operators = OperatorAuthenticator(operators: config.operators)
        let addressing = OutboxAddressing(
            sendingChannels: Dictionary(uniqueKeysWithValues: senders.map { sender in (sender.channel, channels.first { $0.declaration.id == sender.channel }?.declaration.kind ?? "") }),
            channelIds: Set(channels.map(\.declaration.id)))
        SurveyPromptRoutes(log: log, router: self.router, authenticator: operators, channels: config.channels).register(on: router)
        CaseRoutes(projection: cases, log: log, authenticator: operators, addressing: addressing, router: self.router, suppressions: suppressions).register(on: router)
        OutboxRoutes(
            projection: outbox, log: log, router: self.router, addressing: addressing, authenticator: operators, suppressions: suppressions,
            cases: cases, templates: config.templates,
            refused: Counter(label: "listening_post_outbox_refused_total", dimensions: [("reason", "suppressed")], factory: factory)
        ).register(on: router)
        SuppressionRoutes(list: suppressions, log: log, authenticator: operators).register(on: router)
        LoopRoutes(cases: cases, nps: config.nps.enabled ? nps : nil, hub: hub, authenticator: operators, defaultWindow: config.nps.window).register(on: router)
        HealthRoutes(gateway: self).register(on: router)
        ConsoleRoutes().register(on: router)

        // WebSocket upgrades have a router of their own, as hummingbird-websocket asks.
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.add(middleware: ProblemMiddleware())
        StreamWebSocketResponder(
            hub: hub, log: log, streamNames: streamNames, authenticator: authenticator, heartbeat: config.server.sseHeartbeat,
            subscribers: { stream in Meter(label: "listening_post_subscribers", dimensions: [("stream", stream), ("transport", "websocket")], factory: factory) }
        ).register(on: webSocketRouter)

        let logger = self.logger
        // Order: the log first so it stops last; pushers and the reloader before the
        // adapters, which stop first and drain into a live log.
        let loopGauges = LoopGauges(cases: cases, nps: config.nps.enabled ? nps : nil, hub: hub, factory: metricsFactory, window: config.nps.window)
        let services: [any Service] = [log] + (config.nps.enabled ? [nps] : []) + [caseTimers, loopGauges, directoryReloader] + senders + pushers.keys.sorted().compactMap { pushers[$0] } + supervisors
        return Application(
            router: router,
            server: .eventLoopBound(
                webSocketRouter: webSocketRouter, idleTimeout: config.server.idleTimeout,
                limit: ConnectionLimit(maximum: config.server.maxConnections, factory: factory, logger: logger)),
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "listening-post"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening on http://\(self.config.server.host):\(port)")
                await onServerRunning(port)
            },
            logger: logger)
    }
}

/// Breaks the init cycle between the log (whose commits feed the hub) and the hub (which
/// reads the log): set once, before any append.
private final class HubBox: @unchecked Sendable {
    // Written once during assembly, before the log accepts appends; read-only after.
    var hub: StreamHub?
    var router: EventRouter?
}
