import Foundation
import ListeningPostKit
import ListeningPostStore

/// Segments, routes and the fallback stream: everything that turns a normalised message
/// into an enriched one and picks its streams. ``apply(to:directory:)`` is a pure function
/// of the event, the directory and these rules, so it is tested with tables and explained
/// by `listening-post route --dry-run`.
public struct RoutingRules: Sendable {
    /// Ordered segment rules; the first that matches wins.
    public let segments: [Segment]
    /// Ordered routes.
    public let routes: [Route]
    /// Where an event that matches no route goes, so no event goes nowhere.
    public let fallbackStream: String
    /// The configured themes, matched in every message's subject and text.
    public let themes: ThemeMatcher
    /// Whether any condition reads the text: only then is it joined and lowercased per
    /// event, which is the costliest fact on the ingest path.
    private let readsText: Bool

    /// Streams every event is appended to whatever the routes say: the firehose.
    public static let firehose = Firehose.stream

    /// Creates rules.
    /// - Parameter alsoReading: other conditions evaluated on the routed facts (case rules),
    ///   so the text facts are gathered when one of them reads the text.
    public init(
        segments: [Segment] = [],
        routes: [Route] = [],
        fallbackStream: String = "unrouted",
        alsoReading conditions: [Condition] = [],
        themes: ThemeMatcher = .none
    ) {
        self.segments = segments
        self.routes = routes
        self.fallbackStream = fallbackStream
        self.themes = themes
        self.readsText =
            segments.contains { $0.condition?.readsText ?? false } || routes.contains { $0.condition.readsText }
            || conditions.contains(where: \.readsText)
    }

    /// The rules before anyone writes any: every event goes to `all`, its channel's stream
    /// and `unrouted`.
    public static let none = RoutingRules()

    /// Channel kinds whose messages are replies a customer writes in words, and so are read
    /// for a score when they answer an open survey prompt.
    public static let replyKinds: Set<String> = ["sms", "imap", "discourse"]

    /// Enriches the event (customer, segment, preferred channel, response target, a score
    /// read from a reply to an open survey prompt) and picks its streams: `all`, the
    /// channel's own stream, and those of every matching route up to the first
    /// `stop: true`, or the fallback stream when none matched.
    public func apply(to event: MessageEvent, directory: CustomerDirectory, prompts: SurveyPrompts = SurveyPrompts()) -> RoutedEvent {
        var event = event
        let resolution = directory.resolve(event.data.author, channel: event.channel)
        event.data.customer = resolution?.reference
        Self.scoreReply(&event, prompts: prompts)
        if !themes.isEmpty {
            // The survey's reason too, where an adapter keeps it apart from the text: it is
            // the answer to "why?", what key drivers are made of.
            let reason = event.data.feedback?.reason.flatMap { reason in event.data.text.contains(reason) ? nil : reason }
            event.data.themes = themes.mentions(in: [event.data.subject, event.data.text, reason].compactMap { $0 }.joined(separator: "\n"))
        }
        var facts = RoutingFacts(event: event, customer: resolution?.customer, normalizer: directory.normalizer, includeText: readsText)

        let segment = segments.first { $0.condition?.matches(facts) ?? true } ?? .builtinDefault
        event.segment = segment.name
        event.data.segment = segment.name
        event.data.preferredChannel = resolution?.customer?.preferredChannel ?? segment.preferredChannel ?? event.channel
        if let target = segment.responseTarget {
            let seconds = Int(target.components.seconds)
            event.data.responseTarget = ResponseTarget(
                seconds: seconds,
                due: (event.data.occurredAt ?? event.data.receivedAt).addingTimeInterval(TimeInterval(seconds))
            )
        }
        facts.segment = segment.name
        facts.preferredChannel = event.data.preferredChannel

        var streams = [Self.firehose, event.channel]
        var matched: [String] = []
        for route in routes where route.condition.matches(facts) {
            matched.append(route.name)
            for stream in route.streams where !streams.contains(stream) { streams.append(stream) }
            if route.stop { break }
        }
        if matched.isEmpty { streams.append(fallbackStream) }
        return RoutedEvent(event: event, streams: streams, matchedRoutes: matched, resolution: resolution, facts: facts)
    }
}

extension RoutingRules {
    /// A reply to an open survey prompt on the same channel, in words: its score (the
    /// prompt's survey, source `reply`) or the flag `score_ambiguous`. Structured feedback
    /// and automatic replies (an out-of-office saying "back on 3/10") are left alone.
    static func scoreReply(_ event: inout MessageEvent, prompts: SurveyPrompts) {
        guard prompts.count > 0, event.data.feedback == nil, replyKinds.contains(event.data.channel.kind),
            !event.data.flags.contains(.autoReply), let customer = event.data.customer,
            let prompt = prompts.open(customer: customer.id, channel: event.data.channel.id, at: event.data.occurredAt ?? event.data.receivedAt)
        else { return }
        switch ReplyScore.read(event.data.text) {
        case .score(let score, let reason):
            event.data.feedback = Feedback(score: score, reason: reason, survey: prompt.survey, source: .reply)
            event.data.metadata["surveyPrompt"] = .string(prompt.id)
        case .ambiguous:
            event.data.flags = (event.data.flags + [ReplyScore.ambiguousFlag]).sorted()
            event.data.metadata["surveyPrompt"] = .string(prompt.id)
        case .none:
            break
        }
    }
}

/// An enriched event and where it goes.
public struct RoutedEvent: Sendable {
    /// The event with customer, segment, preferred channel and response target set.
    public var event: MessageEvent
    /// Streams to append it to, without repeats.
    public var streams: [String]
    /// Names of the routes that matched, in order.
    public var matchedRoutes: [String]
    /// Who it is from, when the author had any identity.
    public var resolution: CustomerResolution?
    /// The facts the routes saw.
    public var facts: RoutingFacts
}
