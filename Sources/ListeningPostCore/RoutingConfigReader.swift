import ListeningPostKit

/// Reads the sections that span channels: `customers`, `segments`, `streams`, `routes`,
/// `fallback_stream` and `subscribers`, after the spec has checked their shape. Checks
/// every name they use against what the config declares, compiles every regex and builds
/// the directory, collecting every problem with its position.
struct RoutingConfigReader {
    var top: ConfigValues
    var channels: [ChannelDeclaration]
    var kinds: Set<String>

    struct Result {
        var customers = CustomerSettings()
        var routing = RoutingRules.none
        var declaredStreams: [String] = []
        var subscribers: [SubscriberDeclaration] = []
        var cases = CaseSettings()
        var errors: [ConfigError] = []
    }

    func read() -> Result {
        var result = Result()
        let channelIds = Set(channels.map(\.id))

        // Streams.
        for (index, name) in top.strings("streams").enumerated() {
            if !ConfigLoader.isValidName(name) {
                result.errors.append(
                    top.invalid("streams", "'\(name)' (entry \(index + 1)) is not a valid stream name: use lowercase letters, digits, '-' and '_'")
                )
            } else if GatewayConfig.reservedStreamNames.contains(name) {
                result.errors.append(top.invalid("streams", "'\(name)' is reserved; every event is in it already"))
            }
        }
        result.declaredStreams = top.strings("streams")
        let fallback = top.string("fallback_stream") ?? "unrouted"
        if !ConfigLoader.isValidName(fallback) {
            result.errors.append(top.invalid("fallback_stream", "'\(fallback)' is not a valid stream name"))
        }
        let knownStreams = Set([RoutingRules.firehose, fallback] + channelIds + result.declaredStreams)

        // Segments.
        let themes = readThemes(errors: &result.errors)
        let themeNames = Set(themes.themes.map(\.name))
        let segmentParser = ConditionParser(segments: [], channels: channelIds, kinds: kinds, allowsSegmentFacts: false, themes: themeNames)
        var segments: [Segment] = []
        var segmentNames: [String: Int] = [:]
        let segmentEntries = top.objects("segments")
        for (index, entry) in segmentEntries.enumerated() {
            guard let name = entry.string("name") else { continue }
            if let first = segmentNames[name] {
                result.errors.append(entry.invalid("name", "segment '\(name)' is already declared (segments[\(first)])"))
            }
            segmentNames[name] = index
            var condition: Condition?
            if let node = entry.node("when") {
                let (parsed, errors) = segmentParser.parse(node, path: "segments[\(name)].when")
                result.errors += errors
                condition = parsed
            } else if index < segmentEntries.count - 1 {
                result.errors.append(
                    entry.invalid(
                        "name",
                        "segment '\(name)' has no `when`, so it matches everyone and the segments after it can never match; move it last"
                    )
                )
            }
            if let preferred = entry.string("preferred_channel"), !channelIds.contains(preferred) {
                result.errors.append(
                    entry.invalid(
                        "preferred_channel",
                        "'\(preferred)' is not a channel id (channels: \(channelIds.sorted().joined(separator: ", ")))"
                    )
                )
            }
            segments.append(
                Segment(
                    name: name,
                    condition: condition,
                    preferredChannel: entry.string("preferred_channel"),
                    responseTarget: entry.duration("response_target"),
                    resolutionTarget: entry.duration("resolution_target"),
                    calendar: entry.string("calendar")
                )
            )
        }
        let calendars = readCalendars(errors: &result.errors)
        for (index, entry) in segmentEntries.enumerated() where index < segments.count {
            if let calendar = entry.string("calendar"), calendars[calendar] == nil {
                result.errors.append(entry.invalid("calendar", Self.unknownCalendar(calendar, calendars)))
            }
        }
        // A channel that acts on opening hours (voice: `calendar:`) names one of them.
        for channel in channels {
            if let calendar = channel.values.string("calendar"), calendars[calendar] == nil {
                result.errors.append(channel.values.invalid("calendar", Self.unknownCalendar(calendar, calendars)))
            }
        }
        var allSegmentNames = Set(segmentNames.keys)
        if segments.last.map({ $0.condition != nil }) ?? true { allSegmentNames.insert(Segment.builtinDefault.name) }

        // Routes.
        let routeParser = ConditionParser(segments: allSegmentNames, channels: channelIds, kinds: kinds, allowsSegmentFacts: true, themes: themeNames)
        var routes: [Route] = []
        for (index, entry) in top.objects("routes").enumerated() {
            let name = entry.string("name") ?? "routes[\(index)]"
            for stream in entry.strings("to") where !knownStreams.contains(stream) {
                result.errors.append(
                    entry.invalid(
                        "to",
                        "unknown stream '\(stream)'; declare it under `streams:` (known: \(knownStreams.sorted().joined(separator: ", ")))"
                    )
                )
            }
            guard let node = entry.node("when") else { continue }
            let (condition, errors) = routeParser.parse(node, path: "routes[\(name)].when")
            result.errors += errors
            if let condition {
                routes.append(Route(name: name, condition: condition, streams: entry.strings("to"), stop: entry.bool("stop")))
            }
        }
        result.cases = readCases(segments: segments, calendars: calendars, parser: routeParser, errors: &result.errors)
        result.routing = RoutingRules(
            segments: segments,
            routes: routes,
            fallbackStream: fallback,
            alsoReading: result.cases.rules.map(\.condition),
            themes: themes
        )

        // Customers.
        if let customers = top.object("customers") {
            var settings = CustomerSettings()
            settings.normalizer = IdentityNormalizer(
                stripPlusAddressing: customers.string("plus_addressing") != "keep",
                defaultRegion: customers.defaultPhoneRegion(errors: &result.errors)
            )
            settings.file = customers.string("file")
            settings.channelIds = channelIds
            settings.inline = customers.objects("inline").map { entry in
                Customer(
                    id: entry.string("id") ?? "",
                    emails: entry.strings("emails"),
                    phones: entry.strings("phones"),
                    handles: entry.stringMap("handles"),
                    channelIds: entry.stringMap("channel_ids"),
                    attributes: entry.stringMap("attributes"),
                    preferredChannel: entry.string("preferred_channel"),
                    origin: "customers.inline[\(entry.string("id") ?? "?")]",
                    position: entry.position
                )
            }
            do {
                settings.directory = try settings.loadDirectory()
            } catch {
                for problem in error.problems {
                    if let position = problem.position {
                        result.errors.append(ConfigError(path: problem.origin, position: position, message: problem.message))
                    } else {
                        result.errors.append(customers.invalid("file", problem.description))
                    }
                }
            }
            result.customers = settings
        } else {
            result.customers.channelIds = channelIds
        }

        // Subscribers.
        var subscriberNames: Set<String> = []
        for entry in top.objects("subscribers") {
            guard let name = entry.string("name"), let token = entry.secret("token") else { continue }
            if !ConfigLoader.isValidName(name) {
                result.errors.append(entry.invalid("name", "'\(name)' is not a valid subscriber name: use lowercase letters, digits, '-' and '_'"))
            } else if !subscriberNames.insert(name).inserted {
                result.errors.append(entry.invalid("name", "subscriber '\(name)' is already declared"))
            }
            if token.value.count < 16 {
                result.errors.append(entry.invalid("token", "is shorter than 16 characters; use a long random token"))
            }
            let streams = entry.strings("streams")
            for stream in streams where stream != "*" && !knownStreams.contains(stream) {
                result.errors.append(entry.invalid("streams", "unknown stream '\(stream)' (known: \(knownStreams.sorted().joined(separator: ", ")))"))
            }
            var declaration = SubscriberDeclaration(name: name, token: token, streams: streams, push: nil, position: entry.position)
            if let webhook = entry.object("webhook") {
                declaration.push = readPush(webhook, subscriber: declaration, knownStreams: knownStreams, errors: &result.errors)
            }
            result.subscribers.append(declaration)
        }
        return result
    }

    /// `calendars:`, each parsed; `24x7` is always there.
    private func readCalendars(errors: inout [ConfigError]) -> [String: BusinessCalendar] {
        var calendars: [String: BusinessCalendar] = [BusinessCalendar.alwaysOpen.name: .alwaysOpen]
        for entry in top.objects("calendars") {
            guard let name = entry.string("name"), let zone = entry.string("time_zone") else { continue }
            if calendars[name] != nil {
                errors.append(
                    entry.invalid(
                        "name",
                        name == BusinessCalendar.alwaysOpen.name
                            ? "'24x7' is built in; name yours differently" : "calendar '\(name)' is already declared"
                    )
                )
                continue
            }
            do {
                calendars[name] = try BusinessCalendar.parse(
                    name: name,
                    timeZone: zone,
                    hours: entry.stringMap("hours"),
                    holidays: entry.strings("holidays")
                )
            } catch {
                errors.append(entry.invalid(error.key, error.description))
            }
        }
        return calendars
    }

    /// `cases:`: rules with known calendars, standards longer than zero, unique names.
    private func readCases(
        segments: [Segment],
        calendars: [String: BusinessCalendar],
        parser: ConditionParser,
        errors: inout [ConfigError]
    ) -> CaseSettings {
        var settings = CaseSettings()
        settings.calendars = calendars
        for segment in segments + [Segment.builtinDefault] where settings.segments[segment.name] == nil { settings.segments[segment.name] = segment }
        guard let cases = top.object("cases") else { return settings }
        settings.warningBefore = cases.duration("warning_before")
        settings.confirmationQuestion = cases.string("confirmation_question") ?? settings.confirmationQuestion
        settings.confirmationTimeout = cases.duration("confirmation_timeout") ?? settings.confirmationTimeout
        for key in ["warning_before", "confirmation_timeout"] {
            if let duration = cases.duration(key), duration <= .zero { errors.append(cases.invalid(key, "must be longer than zero")) }
        }
        var names: Set<String> = []
        for (index, entry) in cases.objects("rules").enumerated() {
            guard let name = entry.string("name"), let node = entry.node("when") else { continue }
            if !ConfigLoader.isValidName(name) {
                errors.append(entry.invalid("name", "'\(name)' is not a valid rule name: use lowercase letters, digits, '-' and '_'"))
            } else if !names.insert(name).inserted {
                errors.append(entry.invalid("name", "case rule '\(name)' is already declared"))
            }
            for key in ["first_response", "resolution"] {
                if let duration = entry.duration(key), duration <= .zero { errors.append(entry.invalid(key, "must be longer than zero")) }
            }
            if let calendar = entry.string("calendar"), calendars[calendar] == nil {
                errors.append(entry.invalid("calendar", Self.unknownCalendar(calendar, calendars)))
            }
            let (condition, conditionErrors) = parser.parse(node, path: "cases.rules[\(index)].when")
            errors += conditionErrors
            guard let condition else { continue }
            let rule = CaseRule(
                name: name,
                condition: condition,
                firstResponse: entry.duration("first_response"),
                resolution: entry.duration("resolution"),
                calendar: entry.string("calendar")
            )
            // Segments a message can be in: `default` only when no catch-all comes last.
            let reachable = segments.last.map { $0.condition != nil } ?? true ? segments + [Segment.builtinDefault] : segments
            let without = reachable.filter { settings.targets(for: rule, segment: $0.name).isEmpty }.map(\.name).sorted()
            if !without.isEmpty {
                errors.append(
                    entry.warning(
                        "first_response",
                        "cases of segment(s) \(without.joined(separator: ", ")) will have no standard and no timer: "
                            + "set `first_response` here or `response_target` on the segment"
                    )
                )
            }
            settings.rules.append(rule)
        }
        return settings
    }

    static func unknownCalendar(_ name: String, _ calendars: [String: BusinessCalendar]) -> String {
        "unknown calendar '\(name)'; declare it under `calendars:` (known: \(calendars.keys.sorted().joined(separator: ", ")))"
    }

    private func readPush(
        _ webhook: ConfigValues,
        subscriber: SubscriberDeclaration,
        knownStreams: Set<String>,
        errors: inout [ConfigError]
    ) -> PushSettings? {
        guard let url = webhook.string("url"), let secret = webhook.secret("secret") else { return nil }
        var valid = true
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            errors.append(webhook.invalid("url", "must be an http:// or https:// URL"))
            valid = false
        }
        do {
            _ = try StandardWebhooks(secrets: [secret.value])
        } catch {
            errors.append(webhook.invalid("secret", error.description))
            valid = false
        }
        let stream: String
        if let given = webhook.string("stream") {
            stream = given
            if !subscriber.grants(given) {
                errors.append(
                    webhook.invalid("stream", "'\(given)' is not one of this subscriber's streams (\(subscriber.streams.joined(separator: ", ")))")
                )
                valid = false
            } else if !knownStreams.contains(given) {
                errors.append(webhook.invalid("stream", "unknown stream '\(given)'"))
                valid = false
            }
        } else if subscriber.streams.count == 1, subscriber.streams[0] != "*" {
            stream = subscriber.streams[0]
        } else {
            errors.append(webhook.invalid("stream", "name the stream to push; this subscriber reads several"))
            return nil
        }
        var schedule = PushSettings.defaultRetrySchedule
        if webhook.isGiven("retry_schedule") {
            schedule = []
            for text in webhook.strings("retry_schedule") {
                guard let duration = ConfigScalars.duration(text) else {
                    errors.append(webhook.invalid("retry_schedule", "'\(text)' is not a duration such as 5s, 5m or 2h"))
                    valid = false
                    continue
                }
                schedule.append(duration)
            }
        }
        guard valid else { return nil }
        return PushSettings(url: url, stream: stream, secret: secret, retrySchedule: schedule, timeout: webhook.duration("timeout") ?? .seconds(10))
    }
}
