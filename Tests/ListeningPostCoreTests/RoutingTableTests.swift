import Foundation
import ListeningPostCore
import ListeningPostKit
import Testing

/// Enrichment and routing are a pure function of (message, directory, rules): these
/// tables hold it to the documented behaviour without a server. The rules come from YAML
/// through the real config loader, as an operator would write them.
@Suite struct RoutingTableTests {
    static let config: GatewayConfig = {
        let yaml = """
            channels:
              - {id: support-mail, type: echo, path: /mail}
              - {id: sms-replies, type: echo, path: /sms}
              - {id: community, type: echo, path: /forum}
              - {id: nps-survey, type: echo, path: /nps}
            customers:
              default_country_code: "44"
              inline:
                - id: cus_ann
                  emails: [Ann.Lee@Example.com]
                  phones: ["07700 900123"]
                  handles: {community: AnnL}
                  attributes: {tier: gold, region: emea}
                  preferred_channel: sms-replies
                - id: cus_bob
                  emails: bob@bigcorp.com
                  channel_ids: {nps-survey: R-77}
                  attributes: {tier: silver}
                - id: cus_cy
                  emails: cy@partner.example
                  handles: {community: cy}
                  attributes: {tier: bronze, region: apac}
            segments:
              - name: gold
                when: {attribute: {tier: [gold, platinum]}}
                preferred_channel: support-mail
                response_target: 3h
              - name: enterprise
                when: {email_domain: bigcorp.com}
                preferred_channel: support-mail
                response_target: 1d
              - name: apac
                when: {attribute: {region: apac}}
              - name: standard
                response_target: 2d
            streams: [escalations, partners, gold-sms, refunds]
            routes:
              - name: detractors
                when: {feedback: detractor}
                to: escalations
              - name: partner-forum
                when: {all: [{channel_kind: echo}, {channel: community}, {email_domain: partner.example}]}
                to: partners
                stop: true
              - name: gold-by-sms
                when: {segment: gold, preferred_channel: sms-replies}
                to: gold-sms
              - name: refunds
                when: {any: [{text_contains: refund}, {text_matches: "(?i)money\\\\s+back"}]}
                to: refunds
              - name: not-gold-detractors
                when: {all: [{feedback: detractor}, {not: {segment: gold}}]}
                to: [escalations, refunds]
            """
        return try! ConfigLoader(registry: AdapterRegistry([EchoAdapter.self]), environment: [:]).load(text: yaml)
    }()

    static func route(_ author: Author, on channel: String, text: String = "hello", feedback: Feedback? = nil, occurredAt: Date? = nil) -> RoutedEvent
    {
        let message = InboundMessage(dedupKey: UUID().uuidString, author: author, text: text, occurredAt: occurredAt, feedback: feedback)
        let event = MessageEvent(
            id: "e1",
            channel: ChannelIdentity(id: channel, kind: "echo"),
            message: message,
            receivedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        return config.routing.apply(to: event, directory: config.customers.directory)
    }

    // MARK: Identity resolution

    struct IdentityCase: Sendable, CustomStringConvertible {
        var name: String
        var author: Author
        var channel: String
        var customer: String
        var description: String { name }
    }

    static let identityCases: [IdentityCase] = [
        .init(name: "email, different case", author: Author(email: "ann.lee@EXAMPLE.com"), channel: "support-mail", customer: "cus_ann"),
        .init(name: "email with plus tag", author: Author(email: "ann.lee+orders@example.com"), channel: "support-mail", customer: "cus_ann"),
        .init(name: "phone in E.164", author: Author(phone: "+447700900123"), channel: "sms-replies", customer: "cus_ann"),
        .init(name: "handle on its forum, other case", author: Author(handle: "annl"), channel: "community", customer: "cus_ann"),
        .init(name: "channel id on its channel", author: Author(id: "R-77"), channel: "nps-survey", customer: "cus_bob"),
        .init(
            name: "unknown email falls through to known phone",
            author: Author(email: "new@else.com", phone: "+447700900123"),
            channel: "sms-replies",
            customer: "cus_ann"
        ),
        .init(name: "handle on another channel is not that person", author: Author(handle: "annl"), channel: "support-mail", customer: "provisional"),
        .init(name: "channel id on another channel is not that person", author: Author(id: "R-77"), channel: "community", customer: "provisional"),
        .init(name: "unknown phone", author: Author(phone: "+14155550100"), channel: "sms-replies", customer: "provisional"),
    ]

    @Test(arguments: identityCases)
    func identityResolution(_ row: IdentityCase) {
        let routed = Self.route(row.author, on: row.channel)
        if row.customer == "provisional" {
            #expect(routed.event.data.customer?.provisional == true)
            #expect(routed.event.data.customer?.id.hasPrefix("prov_") == true)
        } else {
            #expect(routed.event.data.customer == CustomerReference(id: row.customer, provisional: false))
        }
    }

    @Test func provisionalIdIsStablePerIdentityAndDiffersBetweenThem() {
        let first = Self.route(Author(phone: "+14155550100"), on: "sms-replies").event.data.customer?.id
        let again = Self.route(Author(phone: "+1 (415) 555-0100", name: "Someone"), on: "sms-replies").event.data.customer?.id
        let other = Self.route(Author(phone: "+14155550199"), on: "sms-replies").event.data.customer?.id
        #expect(first != nil)
        #expect(first == again)
        #expect(first != other)
        #expect(first?.contains("4155550100") == false, "the id must not reveal the number")
    }

    @Test func anonymousAuthorHasNoCustomerButStillASegmentAndStreams() {
        let routed = Self.route(Author(name: "Just a name"), on: "nps-survey")
        #expect(routed.event.data.customer == nil)
        #expect(routed.event.segment == "standard")
        #expect(routed.streams == ["all", "nps-survey", "unrouted"])
    }

    // MARK: Segments and preference fallback

    struct SegmentCase: Sendable, CustomStringConvertible {
        var author: Author
        var channel: String
        var segment: String
        var preferredChannel: String
        var targetSeconds: Int?
        var description: String { "\(author) on \(channel) → \(segment)" }
    }

    static let segmentCases: [SegmentCase] = [
        // Ann's own preference (SMS) beats her segment's (mail).
        .init(
            author: Author(email: "ann.lee@example.com"),
            channel: "support-mail",
            segment: "gold",
            preferredChannel: "sms-replies",
            targetSeconds: 10800
        ),
        // Bob has no preference of his own: his segment's applies.
        .init(
            author: Author(email: "bob@bigcorp.com"),
            channel: "nps-survey",
            segment: "enterprise",
            preferredChannel: "support-mail",
            targetSeconds: 86400
        ),
        // An unknown sender at bigcorp matches by email domain too.
        .init(
            author: Author(email: "someone@bigcorp.com"),
            channel: "community",
            segment: "enterprise",
            preferredChannel: "support-mail",
            targetSeconds: 86400
        ),
        // Neither customer nor segment prefers: answer where they wrote.
        .init(author: Author(handle: "cy"), channel: "community", segment: "apac", preferredChannel: "community", targetSeconds: nil),
        .init(
            author: Author(phone: "+14155550100"),
            channel: "sms-replies",
            segment: "standard",
            preferredChannel: "sms-replies",
            targetSeconds: 172800
        ),
    ]

    @Test(arguments: segmentCases)
    func segmentsAndPreferredChannel(_ row: SegmentCase) {
        let routed = Self.route(row.author, on: row.channel)
        #expect(routed.event.segment == row.segment, "the CloudEvents extension")
        #expect(routed.event.data.segment == row.segment)
        #expect(routed.event.data.preferredChannel == row.preferredChannel)
        #expect(routed.event.data.responseTarget?.seconds == row.targetSeconds)
    }

    @Test func responseTargetIsDueFromWhenTheCustomerWrote() {
        let sent = Date(timeIntervalSince1970: 1_789_990_000)
        let routed = Self.route(Author(email: "ann.lee@example.com"), on: "support-mail", occurredAt: sent)
        #expect(routed.event.data.responseTarget == ResponseTarget(seconds: 10800, due: sent.addingTimeInterval(10800)))
        let unsent = Self.route(Author(email: "ann.lee@example.com"), on: "support-mail")
        #expect(
            unsent.event.data.responseTarget?.due == Date(timeIntervalSince1970: 1_790_000_000 + 10800),
            "received time when the source gives none"
        )
    }

    @Test func withoutACatchAllUnmatchedCustomersAreInTheDefaultSegment() throws {
        let config = try ConfigLoader(registry: AdapterRegistry([EchoAdapter.self]), environment: [:]).load(
            text: """
                channels: [{id: mail, type: echo, path: /m}]
                segments: [{name: gold, when: {attribute: {tier: gold}}}]
                routes: [{when: {segment: default}, to: mail}]
                """
        )
        let event = MessageEvent(
            id: "e",
            channel: ChannelIdentity(id: "mail", kind: "echo"),
            message: InboundMessage(dedupKey: "k", text: "t"),
            receivedAt: Date()
        )
        let routed = config.routing.apply(to: event, directory: config.customers.directory)
        #expect(routed.event.segment == "default")
        #expect(routed.matchedRoutes == ["routes[0]"])
    }

    // MARK: Routes

    struct RouteCase: Sendable, CustomStringConvertible {
        var name: String
        var author: Author
        var channel: String
        var text = "hello"
        var score: Int?
        var streams: [String]
        var routes: [String]
        var description: String { name }
    }

    static let routeCases: [RouteCase] = [
        .init(
            name: "nothing matches: fallback",
            author: Author(email: "bob@bigcorp.com"),
            channel: "support-mail",
            streams: ["all", "support-mail", "unrouted"],
            routes: []
        ),
        .init(
            name: "gold detractor who prefers SMS: two routes",
            author: Author(phone: "+447700900123"),
            channel: "sms-replies",
            score: 3,
            streams: ["all", "sms-replies", "escalations", "gold-sms"],
            routes: ["detractors", "gold-by-sms"]
        ),
        .init(
            name: "gold passive: only the preference route",
            author: Author(email: "ann.lee@example.com"),
            channel: "support-mail",
            score: 8,
            streams: ["all", "support-mail", "gold-sms"],
            routes: ["gold-by-sms"]
        ),
        .init(
            name: "partner on the forum stops routing",
            author: Author(handle: "cy"),
            channel: "community",
            text: "about our refund",
            score: 2,
            streams: ["all", "community", "escalations", "partners"],
            routes: ["detractors", "partner-forum"]
        ),
        .init(
            name: "partner by mail is not a forum post",
            author: Author(email: "cy@partner.example"),
            channel: "support-mail",
            text: "about our refund",
            streams: ["all", "support-mail", "refunds"],
            routes: ["refunds"]
        ),
        .init(
            name: "regex, case-insensitive",
            author: Author(email: "x@y.com"),
            channel: "support-mail",
            text: "I want my MONEY   back",
            streams: ["all", "support-mail", "refunds"],
            routes: ["refunds"]
        ),
        .init(
            name: "not: a non-gold detractor",
            author: Author(email: "bob@bigcorp.com"),
            channel: "nps-survey",
            score: 0,
            streams: ["all", "nps-survey", "escalations", "refunds"],
            routes: ["detractors", "not-gold-detractors"]
        ),
        .init(
            name: "promoter is no escalation",
            author: Author(email: "bob@bigcorp.com"),
            channel: "nps-survey",
            score: 10,
            streams: ["all", "nps-survey", "unrouted"],
            routes: []
        ),
    ]

    @Test(arguments: routeCases)
    func routes(_ row: RouteCase) {
        let routed = Self.route(row.author, on: row.channel, text: row.text, feedback: row.score.flatMap(Feedback.netPromoter))
        #expect(routed.streams == row.streams)
        #expect(routed.matchedRoutes == row.routes)
    }

    @Test func netPromoterCategories() {
        #expect(
            (0...10).map { Feedback(score: $0)!.category.rawValue } == Array(repeating: "detractor", count: 7) + [
                "passive", "passive", "promoter", "promoter",
            ]
        )
        // Only a whole number 0–10 is a score.
        for notAScore in [11.0, -1, 7.5, .nan, .infinity, 1e300] { #expect(Feedback(score: notAScore) == nil, "\(notAScore)") }
        #expect(Feedback(score: 10.0)?.score == 10)
    }
}
