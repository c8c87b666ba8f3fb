import Foundation
import ListeningPostKit
import Testing

@testable import ListeningPostServer

/// The document served at `/openapi.json` is docs/openapi.json: both are written by
/// scripts/openapi.py, the served one wrapped into lines of a raw string.
struct OpenAPIDocumentTests {
    @Test func theServedDocumentIsTheOneInDocs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let docs = try Data(contentsOf: root.appendingPathComponent("docs/openapi.json"))
        #expect(try JSONValue.parse(Array(OpenAPIDocument.json.utf8)) == JSONValue.parse(Array(docs)))
        #expect(!OpenAPIDocument.json.contains("\n"), "the line continuations leave one line of JSON")
    }
}
