import Foundation
import ListeningPostCore
import ListeningPostKit
import Testing

/// The JSON Schema editors use must say what the gateway's own check says: the same keys,
/// the same required fields, no other keys, each channel by its own adapter's spec.
@Suite struct ConfigSchemaTests {
    let schema = ConfigReference.jsonSchema(AdapterRegistry([EchoAdapter.self]))

    func at(_ path: [String]) -> JSONValue? {
        path.reduce(Optional(schema)) { value, key in value?.objectValue?[key] }
    }

    @Test func topLevelIsStrictAndHasEverySection() throws {
        #expect(at(["additionalProperties"]) == .bool(false))
        let sections = try #require(at(["properties"])?.objectValue).keys.sorted()
        #expect(sections == GatewayConfig.spec.fields.map(\.name).sorted())
        #expect(at(["properties", "subscribers", "items", "properties", "token", "description"])?.stringValue?.contains("Secret") == true)
        #expect(at(["properties", "subscribers", "items", "required"]) == ["name", "token", "streams"])
    }

    @Test func eachChannelIsCheckedAgainstItsAdaptersSpec() throws {
        #expect(at(["properties", "channels", "items", "properties", "type", "enum"]) == ["echo"])
        guard case .array(let rules)? = at(["properties", "channels", "items", "allOf"]), let echo = rules.first?.objectValue?["then"]?.objectValue
        else {
            Issue.record("no per-type rule")
            return
        }
        #expect(echo["additionalProperties"] == .bool(false))
        #expect(echo["required"] == ["id", "type", "path"])
        #expect(echo["properties"]?.objectValue?.keys.sorted() == ["enabled", "id", "limit", "path", "poll", "token", "type"])
        #expect(echo["properties"]?.objectValue?["poll"]?.objectValue?["default"] == "5s")
    }

    @Test func durationPatternAcceptsWhatTheLoaderAccepts() throws {
        let pattern = try #require(ConfigFieldType.duration.jsonSchema.objectValue?["pattern"]?.stringValue)
        let regex = try NSRegularExpression(pattern: pattern)
        func matches(_ text: String) -> Bool { regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil }
        for good in ["250ms", "30s", "1h30m", "1d", "${POLL:-5s}"] {
            #expect(matches(good), "\(good)")
            #expect(ConfigScalars.duration(good) != nil || good.contains("${"), "\(good)")
        }
        for bad in ["soon", "5", "5 minutes"] {
            #expect(!matches(bad), "\(bad)")
            #expect(ConfigScalars.duration(bad) == nil, "\(bad)")
        }
    }
}
