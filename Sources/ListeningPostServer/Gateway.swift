import Foundation
import Hummingbird
import HummingbirdWebSocket
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import ListeningPostPostgres
import ListeningPostStore
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// A gateway assembled from a config: the durable log, the stream hub, every channel's
/// adapter under a supervisor, and the HTTP application that serves them — one
/// `ServiceGroup` (the application's). Its order makes shutdown safe: the HTTP server stops
/// taking requests and drains first, then the adapters stop, and the log, listed first,
/// commits what is queued and closes last.
///
/// What a config reload replaces is one ``Generation``: the channels, senders and pushers
/// (run by the ``ServiceFleet``), the HTTP routes and the rules. The log, the hub and the
/// projections are the process's and stay.
public final class Gateway: Sendable {
    /// What one config built: replaced whole by ``reload(to:)``.
    public struct Generation: Sendable {
        /// 1 at start, one more at each applied reload.
        public var number: Int
        /// When it was applied.
        public var appliedAt: Date
        /// The validated config.
        public var config: GatewayConfig
        /// The channels as built, in config order.
        public var channels: [ChannelAssembly.Channel]
        /// One supervisor per channel, in config order.
        public var supervisors: [AdapterSupervisor]
        /// One sender per channel that can send.
        public var senders: [OutboxSender]
        /// One pusher per subscriber with `webhook:` push, by subscriber name.
        public var pushers: [String: WebhookPusher]
        /// What each fleet member was built from, by fleet key.
        var members: [String: (fingerprint: String, services: [any Service])]
    }

    /// The config in force.
    public var config: GatewayConfig { generation.config }
    /// The generation in force.
    public var generation: Generation { state.withLock { $0 } }
    /// The log's front door: the log, the hub, the leases, the projections it feeds.
    public let store: EventStore
    /// The durable log.
    public var log: any DurableEventLog { store.log }
    /// Live fan-out of committed events.
    public var hub: StreamHub { store.hub }
    /// One supervisor per channel, in config order.
    public var supervisors: [AdapterSupervisor] { generation.supervisors }
    /// The channels as built.
    public var channels: [ChannelAssembly.Channel] { generation.channels }
    /// Enrichment and routing, with the live customer directory.
    public let router: EventRouter
    /// Keeps the directory current and records merges.
    public let directoryReloader: DirectoryReloader
    /// One pusher per subscriber with `webhook:` push, by subscriber name.
    public var pushers: [String: WebhookPusher] { generation.pushers }
    /// Every NPS answer in the log, for `GET /v1/nps` and the gauges.
    public let nps: NPSProjection
    /// Every case, for the case API, the loop metrics and the timers.
    public let cases: CaseProjection
    /// Appends warnings, breaches and unconfirmed closes when they come due.
    public let caseTimers: CaseTimers
    /// With a shared PostgreSQL log: the leases that keep each exclusive source (a polled
    /// mailbox, a push subscriber, an outbox sender, the case timers) on one gateway.
    public var leases: LeaseKeeper? { store.leases }
    /// Every outgoing message.
    public let outbox: OutboxProjection
    /// One sender per channel that can send.
    public var senders: [OutboxSender] { generation.senders }
    /// Addresses the gateway must not send to.
    public let suppressions: SuppressionList
    /// Prometheus registry behind `/metrics`.
    public let metricsRegistry: PrometheusCollectorRegistry
    let metricsFactory: PrometheusMetricsFactory
    let logger: Logger
    let registry: AdapterRegistry
    let clock: any AdapterClock
    /// The calendars adapters ask about opening hours, as the config in force has them.
    let openHours = CalendarOpenHours()
    let ids: EventIDGenerator
    /// The channels, senders and pushers now running.
    let fleet: ServiceFleet
    private let state: Mutex<Generation>
    /// The HTTP routes of the generation in force, once ``application(onServerRunning:)`` built them.
    private let responder = Mutex<SwitchingResponder?>(nil)
    private let streamAccess: LiveValue<StreamAccess>
    /// One reload at a time: each diffs against the generation the previous one left.
    private let reloading = SerialGate()

    /// Opens the log and builds every adapter. Throws ``ConfigErrors`` for adapter config
    /// problems, or the log's error if the data directory cannot be used.
    public static func assemble(
        config: GatewayConfig,
        registry: AdapterRegistry,
        logger: Logger,
        metricsRegistry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        clock: any AdapterClock = SystemAdapterClock(),
        handlesSIGHUP: Bool = true
    ) async throws -> Gateway {
        var factory = PrometheusMetricsFactory(registry: metricsRegistry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(5),
        ]
        let appendTimer = Timer(label: "listening_post_log_append_duration_seconds", factory: factory)
        let router = EventRouter(
            rules: config.routing,
            directory: config.customers.directory,
            promptWindow: config.nps.replyWindow,
            cases: config.cases
        )
        let cases = CaseProjection(settings: config.cases)
        let outbox = OutboxProjection()
        let suppressions = SuppressionList()
        let leaseChanges = Dictionary(
            uniqueKeysWithValues: [LeaseKeeper.Change.acquired, .lost, .released].map { change in
                (change, Counter(label: "listening_post_lease_changes_total", dimensions: [("change", change.rawValue)], factory: factory))
            }
        )
        let backend: StoreBackend =
            if let postgres = config.store.postgres {
                .postgres(settings: postgres, lock: try DataDirectoryLock(directory: config.store.dataDirectory))
            } else {
                .sqlite(directory: config.store.dataDirectory)
            }
        // The case table first: a subscriber told of a case event can ask the API about it.
        // Prompts too are rebuilt before any channel starts, and cases, so a message right
        // after a restart joins its customer's open case.
        let store = try await EventStore.open(
            backend,
            projections: [cases, outbox, suppressions, SurveyPromptProjection(router: router)],
            followUps: cases,
            logger: logger,
            appendLatency: { duration in
                appendTimer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
            },
            onLeaseChange: { leaseChanges[$0]?.increment() }
        )
        let log = store.log
        let hub = store.hub
        let ids = EventIDGenerator()
        let reloader = DirectoryReloader(settings: config.customers, router: router, log: log, ids: ids, logger: logger, handlesSIGHUP: handlesSIGHUP)
        let gauges = NPSGauges(factory: factory, window: config.nps.window)
        // Reasons are stemmed as they are taken in, so a change of `nps.reason_language`
        // applies from the next start.
        let nps = NPSProjection(
            hub: hub,
            logger: logger,
            reasonLanguage: ThemeLanguage(code: config.nps.reasonLanguage),
            onChange: { gauges.update($0) }
        )
        let gateway = Gateway(
            config: config,
            store: store,
            router: router,
            directoryReloader: reloader,
            nps: nps,
            cases: cases,
            caseTimers: CaseTimers(projection: cases, log: log, logger: logger),
            outbox: outbox,
            suppressions: suppressions,
            metricsRegistry: metricsRegistry,
            metricsFactory: factory,
            logger: logger,
            registry: registry,
            clock: clock,
            ids: ids
        )
        let first: Generation
        do {
            first = try gateway.build(config, number: 1, previous: nil)
        } catch {
            await log.close()
            throw error
        }
        gateway.state.withLock { $0 = first }
        gateway.openHours.update(config.cases.calendars)
        gateway.streamAccess.replace(
            with: StreamAccess(streamNames: config.streamNames, authenticator: SubscriberAuthenticator(subscribers: config.subscribers))
        )
        for (key, member) in first.members.sorted(by: { $0.key < $1.key }) {
            gateway.fleet.start(key: key, fingerprint: member.fingerprint, services: member.services)
        }
        return gateway
    }

    private init(
        config: GatewayConfig,
        store: EventStore,
        router: EventRouter,
        directoryReloader: DirectoryReloader,
        nps: NPSProjection,
        cases: CaseProjection,
        caseTimers: CaseTimers,
        outbox: OutboxProjection,
        suppressions: SuppressionList,
        metricsRegistry: PrometheusCollectorRegistry,
        metricsFactory: PrometheusMetricsFactory,
        logger: Logger,
        registry: AdapterRegistry,
        clock: any AdapterClock,
        ids: EventIDGenerator
    ) {
        self.store = store
        self.router = router
        self.directoryReloader = directoryReloader
        self.nps = nps
        self.cases = cases
        self.caseTimers = caseTimers
        self.outbox = outbox
        self.suppressions = suppressions
        self.metricsRegistry = metricsRegistry
        self.metricsFactory = metricsFactory
        self.logger = logger
        self.registry = registry
        self.clock = clock
        self.ids = ids
        self.fleet = ServiceFleet(logger: logger)
        self.state = Mutex(
            Generation(number: 0, appliedAt: Date(), config: config, channels: [], supervisors: [], senders: [], pushers: [:], members: [:])
        )
        self.streamAccess = LiveValue(StreamAccess(streamNames: [], authenticator: SubscriberAuthenticator(subscribers: [])))
    }

    /// Builds every part a config names, reusing from `previous` each channel, sender and
    /// pusher whose settings did not change (so it keeps running untouched). Throws every
    /// problem only the built adapters reveal, exactly as `check` does.
    private func build(_ config: GatewayConfig, number: Int, previous: Generation?) throws(ConfigErrors) -> Generation {
        let log = self.log
        let ids = self.ids
        let router = self.router
        let clock = self.clock
        let logger = self.logger
        let factory = self.metricsFactory
        let openHours = self.openHours
        let built = try ChannelAssembly.instantiate(config, registry: registry) { declaration in
            var channelLogger = logger
            channelLogger[metadataKey: "channel"] = "\(declaration.id)"
            let metrics = ChannelMetrics(channel: declaration.id, factory: factory)
            let sink = ChannelSink(
                channel: declaration.identity,
                log: log,
                ids: ids,
                metrics: metrics,
                router: router,
                effects: LoopIngestEffects(),
                themeMetrics: factory
            )
            return AdapterContext(
                channel: declaration.identity,
                logger: channelLogger,
                metrics: metrics,
                sink: sink,
                clock: clock,
                http: AsyncHTTPOutboundClient(),
                openHours: openHours
            )
        }
        var members: [String: (fingerprint: String, services: [any Service])] = [:]
        var channels: [ChannelAssembly.Channel] = []
        var supervisors: [AdapterSupervisor] = []
        for candidate in built {
            let id = candidate.declaration.id
            let index = previous?.channels.firstIndex { $0.declaration.id == id && $0.declaration.fingerprint == candidate.declaration.fingerprint }
            // An unchanged channel keeps its running adapter; the one just built only proved the config.
            let channel = index.map { previous!.channels[$0] } ?? candidate
            let supervisor =
                index.map { previous!.supervisors[$0] } ?? AdapterSupervisor(channel: id, adapter: channel.adapter, context: channel.context)
            channels.append(channel)
            supervisors.append(supervisor)
            members[Self.channelKey(id)] = (
                channel.declaration.fingerprint, [channel.adapter.runsOnOneGateway ? leased(supervisor, Self.channelKey(id)) : supervisor]
            )
        }
        var senders: [OutboxSender] = []
        for channel in channels {
            guard let sender = channel.adapter as? any ChannelSender, sender.canSend else { continue }
            let id = channel.declaration.id
            let key = Self.senderKey(id)
            let fingerprint =
                "\(channel.declaration.fingerprint) retry=\(config.outbox.retrySchedule) rate=\(String(describing: config.outbox.rateLimits[id]))"
            let outboxSender =
                previous?.members[key].flatMap { $0.fingerprint == fingerprint ? $0.services.first?.unleased as? OutboxSender : nil }
                ?? OutboxSender(
                    channel: id,
                    sender: sender,
                    projection: outbox,
                    log: log,
                    logger: logger,
                    retrySchedule: config.outbox.retrySchedule,
                    rateLimit: config.outbox.rateLimits[id],
                    suppressions: suppressions
                )
            senders.append(outboxSender)
            members[key] = (fingerprint, [leased(outboxSender, key)])
        }
        var pushers: [String: WebhookPusher] = [:]
        var errors: [ConfigError] = []
        for subscriber in config.subscribers {
            guard let push = subscriber.push else { continue }
            let key = Self.pushKey(subscriber.name)
            let fingerprint = "\(push.url) \(push.stream) \(push.secret.value) \(push.retrySchedule) \(push.timeout)"
            if let running = previous?.members[key], running.fingerprint == fingerprint,
                let pusher = running.services.first?.unleased as? WebhookPusher
            {
                pushers[subscriber.name] = pusher
            } else {
                do {
                    pushers[subscriber.name] = try WebhookPusher(
                        subscriber: subscriber,
                        hub: hub,
                        log: log,
                        http: AsyncHTTPOutboundClient(),
                        logger: logger,
                        metricsFactory: factory
                    )
                } catch {
                    errors.append(ConfigError(path: "subscribers[\(subscriber.name)].webhook", position: subscriber.position, message: "\(error)"))
                    continue
                }
            }
            members[key] = (fingerprint, [leased(pushers[subscriber.name]!, key)])
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        return Generation(
            number: number,
            appliedAt: Date(),
            config: config,
            channels: channels,
            supervisors: supervisors,
            senders: senders,
            pushers: pushers,
            members: members
        )
    }

    /// The service under the lease `name` when gateways share the log; else itself.
    private func leased(_ service: any Service, _ name: String) -> any Service {
        leases.map { LeasedService(name: name, inner: service, keeper: $0) } ?? service
    }

    static func channelKey(_ id: String) -> String { "channel:\(id)" }
    static func senderKey(_ id: String) -> String { "sender:\(id)" }
    static func pushKey(_ name: String) -> String { "push:\(name)" }

    /// Applies a validated config while the gateway runs. Every problem is thrown before
    /// anything changes. Then the channels, senders and pushers that were removed or changed
    /// stop (gracefully: what they hold commits), the rules, tokens, templates and routes
    /// switch over, and the added or changed ones start. Unchanged ones keep running.
    ///
    /// `server`, `store`, `logging` and `nps` are read once at start: a change there is
    /// reported in ``ReloadReport/needsRestart`` and takes effect at the next start.
    public func reload(to proposed: GatewayConfig) async throws(ConfigErrors) -> ReloadReport {
        try await reloading.run { () throws(ConfigErrors) -> ReloadReport in
            let old = generation
            var config = proposed
            var needsRestart: [String] = []
            if config.server != old.config.server { needsRestart.append("server") }
            if config.store != old.config.store { needsRestart.append("store") }
            if config.logging != old.config.logging { needsRestart.append("logging") }
            if config.nps != old.config.nps { needsRestart.append("nps") }
            config.server = old.config.server
            config.store = old.config.store
            config.logging = old.config.logging
            config.nps = old.config.nps
            let next = try build(config, number: old.number + 1, previous: old)

            let stale = old.members.keys.filter { next.members[$0]?.fingerprint != old.members[$0]?.fingerprint }
            let fresh = next.members.keys.filter { old.members[$0]?.fingerprint != next.members[$0]?.fingerprint }
            await fleet.stop(keys: stale)
            state.withLock { $0 = next }
            openHours.update(config.cases.calendars)
            router.replace(rules: config.routing, cases: config.cases)
            router.replace(directory: config.customers.directory)
            cases.replace(settings: config.cases)
            directoryReloader.replace(settings: config.customers)
            streamAccess.replace(
                with: StreamAccess(streamNames: config.streamNames, authenticator: SubscriberAuthenticator(subscribers: config.subscribers))
            )
            responder.withLock { $0?.replace(with: makeRouter(next).buildResponder()) }
            // Idle streams check their token now, not at their next heartbeat.
            for stream in old.config.streamNames { hub.interruptWaiters(stream: stream) }
            for key in fresh.sorted() {
                if let member = next.members[key] { fleet.start(key: key, fingerprint: member.fingerprint, services: member.services) }
            }
            await directoryReloader.adopt(config.customers.directory)

            let oldIds = Set(old.channels.map(\.declaration.id))
            let newIds = Set(next.channels.map(\.declaration.id))
            let restarted = next.channels.map(\.declaration.id).filter { oldIds.contains($0) && stale.contains(Self.channelKey($0)) }
            return ReloadReport(
                generation: next.number,
                added: next.channels.map(\.declaration.id).filter { !oldIds.contains($0) },
                removed: old.channels.map(\.declaration.id).filter { !newIds.contains($0) },
                restarted: restarted,
                unchanged: next.channels.map(\.declaration.id).filter { oldIds.contains($0) && !restarted.contains($0) },
                needsRestart: needsRestart
            )
        }
    }

    /// Streams a subscriber may read: `all`, one per channel, the declared ones and the
    /// fallback.
    public var streamNames: Set<String> { config.streamNames }

    /// Runs until SIGTERM or SIGINT, then shuts down gracefully: in-flight requests finish,
    /// adapters stop, the log commits what is queued.
    public func run(extraServices: [any Service] = []) async throws {
        try await application(extraServices: extraServices).runService()
    }

    /// The HTTP routes one generation serves: its channels' endpoints, and the API with its
    /// tokens, streams and templates.
    private func makeRouter(_ generation: Generation) -> Router<BasicRequestContext> {
        let config = generation.config
        let channels = generation.channels
        let senders = generation.senders
        let streamNames = config.streamNames
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
            hub: hub,
            access: streamAccess,
            heartbeat: config.server.sseHeartbeat,
            subscribers: { stream in
                Meter(label: "listening_post_subscribers", dimensions: [("stream", stream), ("transport", "sse")], factory: factory)
            }
        )
        router.get("/v1/streams/{stream}/events", use: streams.respond)
        let hub = self.hub
        router.get("/v1/streams") { request, _ in
            let subscriber = try authenticator.authenticate(request)
            var list: [JSONValue] = []
            for name in streamNames.sorted() where subscriber.grants(name) {
                list.append([
                    "name": .string(name), "head": .number(Double(try await hub.head(stream: name))),
                    "oldest": .number(Double(hub.oldest(stream: name))),
                ])
            }
            return Response.json(.ok, ["streams": .array(list)])
        }
        DeadLetterRoutes(log: log, authenticator: authenticator, pushers: generation.pushers).register(on: router)
        if config.nps.enabled {
            NPSRoutes(projection: nps, hub: hub, authenticator: authenticator, settings: config.nps, benchmarks: config.benchmarks).register(
                on: router
            )
        }
        let operators = OperatorAuthenticator(operators: config.operators)
        let addressing = OutboxAddressing(
            sendingChannels: Dictionary(
                uniqueKeysWithValues: senders.map { sender in
                    (sender.channel, channels.first { $0.declaration.id == sender.channel }?.declaration.kind ?? "")
                }
            ),
            channelIds: Set(channels.map(\.declaration.id)),
            phoneLines: Set(channels.filter { $0.declaration.kind == "voice" }.map(\.declaration.id))
        )
        SurveyPromptRoutes(log: log, router: self.router, authenticator: operators, channels: config.channels).register(on: router)
        let changes = CaseChanges(projection: cases, log: log, addressing: addressing, router: self.router, suppressions: suppressions)
        CaseRoutes(projection: cases, log: log, authenticator: operators, changes: changes).register(on: router)
        let composer = OutboxComposer(
            projection: outbox,
            log: log,
            router: self.router,
            addressing: addressing,
            suppressions: suppressions,
            cases: cases,
            templates: config.templates,
            refused: Counter(label: "listening_post_outbox_refused_total", dimensions: [("reason", "suppressed")], factory: factory)
        )
        OutboxRoutes(projection: outbox, log: log, authenticator: operators, composer: composer).register(on: router)
        SuppressionRoutes(list: suppressions, log: log, authenticator: operators).register(on: router)
        LoopRoutes(cases: cases, nps: config.nps.enabled ? nps : nil, hub: hub, authenticator: operators, defaultWindow: config.nps.window).register(
            on: router
        )
        HealthRoutes(gateway: self).register(on: router)
        ConsoleRoutes().register(on: router)
        return router
    }

    /// The HTTP application with the log and adapters as its services.
    /// - Parameter onServerRunning: called with the bound port once listening.
    public func application(
        extraServices: [any Service] = [],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let generation = self.generation
        let config = generation.config
        let http = SwitchingResponder(makeRouter(generation).buildResponder())
        responder.withLock { $0 = http }
        let factory = self.metricsFactory

        // WebSocket upgrades have a router of their own, as hummingbird-websocket asks.
        let webSocketRouter = Router(context: BasicWebSocketRequestContext.self)
        webSocketRouter.add(middleware: ProblemMiddleware())
        StreamWebSocketResponder(
            hub: hub,
            log: log,
            access: streamAccess,
            heartbeat: config.server.sseHeartbeat,
            subscribers: { stream in
                Meter(label: "listening_post_subscribers", dimensions: [("stream", stream), ("transport", "websocket")], factory: factory)
            }
        ).register(on: webSocketRouter)

        let logger = self.logger
        // Order: the log first so it stops last; the reloaders before the fleet, whose
        // adapters stop first and drain into a live log.
        let loopGauges = LoopGauges(cases: cases, nps: config.nps.enabled ? nps : nil, hub: hub, factory: metricsFactory, window: config.nps.window)
        var retention: [any Service] = []
        if let policy = config.store.retention,
            let service = store.retention(
                policy,
                logger: logger,
                metricsFactory: metricsFactory,
                pushCursors: { self.generation.pushers.values.map { ($0.push.stream, $0.cursorKey) } }
            )
        {
            retention.append(service)
        }
        let services: [any Service] =
            [log] + (config.nps.enabled ? [nps] : []) + [leased(caseTimers, "case-timers"), loopGauges, directoryReloader] + retention + extraServices
            + [fleet]
        return Application(
            responder: http,
            server: .eventLoopBound(
                webSocketRouter: webSocketRouter,
                idleTimeout: config.server.idleTimeout,
                limit: ConnectionLimit(maximum: config.server.maxConnections, factory: factory, logger: logger)
            ),
            configuration: .init(address: .hostname(config.server.host, port: config.server.port), serverName: "listening-post"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.info("listening on http://\(config.server.host):\(port)")
                await onServerRunning(port)
            },
            logger: logger
        )
    }
}
