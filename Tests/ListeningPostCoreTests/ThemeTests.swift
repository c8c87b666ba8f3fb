import Foundation
import ListeningPostKit
import ListeningPostStore
import ListeningPostTesting
import MetricsTestKit
import Testing

@testable import ListeningPostCore

/// Themes defined in `themes:`: matched on Snowball stems in four languages, negations
/// noted, usable in routes and case rules, explained by `route --dry-run`, and every bad
/// definition refused with its position.
@Suite struct ThemeTests {
    static let themes = """
        themes:
          - name: wait-time
            phrases:
              en: [waited too long, slow, queue]
              de: [lange gewartet, langsam, warteschlange]
              fr: [attente, lent]
              es: [espera, lento]
          - name: refund
            phrases:
              en: [refund, money back]
              de: [rückerstattung, geld zurück]
              fr: [rembourser, remboursement]
              es: [reembolso, devolver el dinero]
          - name: staff
            phrases:
              en: [rude staff, unfriendly]
              de: unfreundlich
              fr: [désagréable, impoli]
              es: [grosero, maleducado]
        """

    static let yaml =
        """
        channels:
          - {id: web, type: echo, path: /web}
        streams: [waits]
        routes:
          - name: waits
            when: {theme: wait-time}
            to: waits

        """ + themes

    static func load(_ text: String) throws -> GatewayConfig {
        try ConfigLoader(registry: AdapterRegistry([EchoAdapter.self]), environment: [:]).load(text: text)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var expected: String
        var text: String
        var line: Int
        var testDescription: String { "line \(line): \(text)" }
    }

    static let rows: [Row] = {
        let url = Bundle.module.url(forResource: "Fixtures/themes", withExtension: "txt")!
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").enumerated().compactMap { index, line -> Row? in
            guard !line.hasPrefix("#"), let bar = line.firstIndex(of: "|") else { return nil }
            return Row(
                expected: line[..<bar].trimmingCharacters(in: .whitespaces),
                text: line[line.index(after: bar)...].trimmingCharacters(in: .whitespaces),
                line: index + 1
            )
        }
    }()

    @Test(arguments: rows)
    func aMessageMentionsTheThemesTheTableSays(_ row: Row) throws {
        let matcher = try Self.load(Self.yaml).routing.themes
        let found = matcher.mentions(in: row.text).map { ($0.negated ? "-" : "") + $0.theme }
        #expect((found.isEmpty ? "none" : found.joined(separator: ",")) == row.expected)
    }

    @Test func theTableCoversEveryLanguageAndNegation() {
        for language in ["English", "German", "French", "Spanish"] {
            let expected = Self.expectations(under: language)
            #expect(expected.count >= 4, "too few \(language) rows")
            #expect(expected.contains { $0.hasPrefix("-") }, "no negated \(language) row")
        }
    }

    /// The expected column of the rows under a `# heading` of the table.
    static func expectations(under heading: String) -> [String] {
        let url = Bundle.module.url(forResource: "Fixtures/themes", withExtension: "txt")!
        let lines = ((try? String(contentsOf: url, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(of: "# \(heading)") else { return [] }
        var expected: [String] = []
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            if let bar = line.firstIndex(of: "|") { expected.append(line[..<bar].trimmingCharacters(in: .whitespaces)) }
        }
        return expected
    }

    @Test func aMessageGetsItsThemesAtIngestAndARouteSendsItOn() throws {
        let config = try Self.load(Self.yaml)
        func routed(_ text: String) -> RoutedEvent {
            let message = InboundMessage(dedupKey: UUID().uuidString, author: Author(email: "ann@example.com"), text: text)
            let event = MessageEvent(id: "e1", channel: ChannelIdentity(id: "web", kind: "echo"), message: message, receivedAt: Date())
            return config.routing.apply(to: event, directory: config.customers.directory)
        }
        let slow = routed("Why so slow? I waited too long.")
        #expect(slow.event.data.themes == [ThemeMention(theme: "wait-time", phrase: "waited too long", language: "en")])
        #expect(slow.streams.contains("waits"))
        // A negated mention is in the event but routes nowhere.
        let fine = routed("It was not slow.")
        #expect(fine.event.data.themes.map(\.negated) == [true])
        #expect(!fine.streams.contains("waits"))
        // Written in the event and read back the same.
        let bytes = slow.event.jsonBytes()
        #expect(
            String(decoding: bytes, as: UTF8.self).contains(
                #""themes":[{"language":"en","negated":false,"phrase":"waited too long","theme":"wait-time"}]"#
            )
        )
        #expect(try MessageEvent.decode(bytes).data.themes == slow.event.data.themes)
        // Without themes configured, the event has no `themes` member.
        #expect(!String(decoding: routed("").event.jsonBytes(), as: UTF8.self).contains("themes"))
    }

    @Test func newMessagesCountTheirThemesOnceAndRedeliveriesNothing() async throws {
        let config = try Self.load(Self.yaml)
        let metrics = TestMetrics()
        try await SQLiteEventLogTests.withLog(directory: SQLiteEventLogTests.temporaryDirectory()) { log in
            let sink = ChannelSink(
                channel: ChannelIdentity(id: "web", kind: "echo"),
                log: log,
                ids: EventIDGenerator(),
                metrics: ChannelMetrics(channel: "web", factory: metrics),
                router: EventRouter(rules: config.routing, directory: config.customers.directory),
                themeMetrics: metrics
            )
            let slow = InboundMessage(dedupKey: "a", author: Author(email: "x@example.com"), text: "so slow")
            let fine = InboundMessage(dedupKey: "b", author: Author(email: "x@example.com"), text: "not slow")
            _ = try await sink.submit([slow, fine], checkpoint: nil)
            _ = try await sink.submit([slow], checkpoint: nil)
        }
        let counter = try metrics.expectCounter("listening_post_theme_mentions", [("theme", "wait-time"), ("segment", "default")])
        #expect(counter.totalValue == 1)
    }

    @Test func dryRunSaysWhichPhraseMatched() throws {
        let config = try Self.load(Self.yaml)
        let sample = try RoutingExplanation.sample(Array(#"{"channel": "web", "text": "Die Warteschlange war endlos"}"#.utf8), config: config)
        let text = RoutingExplanation.render(sample, rules: config.routing, directory: config.customers.directory)
        #expect(text.contains("theme: wait-time (matched 'warteschlange', de)"))
        #expect(text.contains("waits: matched → waits"))
    }

    @Test func aCaseRuleCanOpenOnATheme() throws {
        let config = try Self.load(
            Self.yaml + """

                cases:
                  rules:
                    - name: refunds
                      when: {theme: refund}
                      first_response: 1h
                """
        )
        let message = InboundMessage(dedupKey: "k", author: Author(email: "ann@example.com"), text: "Where is my refund?")
        let event = MessageEvent(id: "e1", channel: ChannelIdentity(id: "web", kind: "echo"), message: message, receivedAt: Date())
        #expect(config.cases.rules.first?.condition.matches(config.routing.apply(to: event, directory: config.customers.directory).facts) == true)
    }

    @Test(arguments: [
        ("routes:\n  - {name: r, when: {theme: wiat-time}, to: waits}", "routes[r].when.theme", "wiat-time"),
        ("themes:\n  - {name: w, phrases: {xx: [slow]}}", "themes", "no stemmer for language 'xx'"),
        ("themes:\n  - {name: w, phrases: {en: [the, a]}}", "themes", "has only stop words"),
        ("themes:\n  - {name: w, phrases: {en: []}}", "themes[w].phrases.en", "expected a phrase"),
        ("themes:\n  - {name: w, phrases: [slow]}", "themes", "expected phrases per language"),
        ("themes:\n  - {name: Wait Time, phrases: {en: slow}}", "themes", "not a valid theme name"),
        ("themes:\n  - {name: w, phrases: {en: slow}}\n  - {name: w, phrases: {en: late}}", "themes", "already declared"),
    ])
    func aBadThemeIsRefusedWithItsPlace(_ yaml: String, path: String, words: String) throws {
        let text = "channels:\n  - {id: web, type: echo, path: /web}\nstreams: [waits]\n" + yaml + "\n"
        do {
            _ = try Self.load(text)
            Issue.record("accepted: \(yaml)")
        } catch let errors as ConfigErrors {
            let all = errors.errors.map { "\($0.path): \($0.message)" }
            #expect(all.contains { $0.hasPrefix(path) && $0.contains(words) }, "\(all)")
            #expect(errors.errors.allSatisfy { $0.position != nil })
        }
    }
}
