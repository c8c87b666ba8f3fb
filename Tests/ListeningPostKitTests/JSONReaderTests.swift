import Foundation
import Testing

@testable import ListeningPostKit

/// The payload reader: every accepted document must read as Foundation reads it, and every
/// rejected one must say why and where.
struct JSONReaderTests {
    @Test(arguments: [
        #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
        #"  [ 1 , -2.5 , 3e2 , 0.125 , -0 ]  "#,
        #""plain""#,
        #""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#,
        #"{"unicode":"héllo wörld 😀","empty":"","nested":[[[]]],"obj":{}}"#,
        "123456789012",
        "1.5E-3",
    ])
    func readsWhatFoundationReads(_ text: String) throws {
        let ours = try JSONValue.parse(Array(text.utf8))
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        #expect(ours == foundation)
    }

    static let rejected: [(String, String)] = [
        ("", "unexpected end of input, expected a value at byte 0"),
        ("{", "expected a member name in double quotes at byte 1"),
        (#"{"a" 1}"#, "expected ':' after a member name at byte 5"),
        (#"{"a":1,}"#, "expected a member name in double quotes at byte 7"),
        ("[1 2]", "expected ',' or ']' in an array at byte 3"),
        ("[1,]", "unexpected ']', expected a value at byte 3"),
        ("01", "a number cannot have a leading zero at byte 1"),
        ("1.", "a number needs digits after '.' at byte 2"),
        ("-", "a number needs a digit after '-' at byte 1"),
        ("1e", "a number needs digits in its exponent at byte 2"),
        ("1e999", "the number 1e999 is out of range at byte 5"),
        ("tru", "unexpected 't', expected a value at byte 0"),
        (#""abc"#, "unterminated string at byte 4"),
        ("\"a\u{01}b\"", "a control character (0x01) inside a string must be escaped at byte 2"),
        (#""\x""#, #"invalid escape '\x' in a string at byte 2"#),
        (#""\u12""#, #"a \u escape needs four hex digits at byte 3"#),
        (#""\ud800x""#, #"a high surrogate \ud800 must be followed by a low surrogate at byte 7"#),
        (#""\udc00""#, #"a lone low surrogate \udc00 at byte 7"#),
        ("{} {}", "unexpected '{' after the JSON value at byte 3"),
        ("'a'", "unexpected ''', expected a value at byte 0"),
    ]

    @Test(arguments: rejected)
    func rejectsWithTheReason(_ text: String, _ reason: String) {
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(Array(text.utf8)) }
        do {
            _ = try JSONValue.parse(Array(text.utf8))
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test func rejectsInvalidUTF8InsideAString() {
        let bytes: [UInt8] = [0x22, 0x61, 0xFF, 0x22]
        do {
            _ = try JSONValue.parse(bytes)
            Issue.record("accepted invalid UTF-8")
        } catch {
            #expect(error.reason == "a string is not valid UTF-8 at byte 3")
        }
    }

    @Test func limitsNestingInsteadOfOverflowingTheStack() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        do {
            _ = try JSONValue.parse(Array(deep.utf8))
            Issue.record("accepted 100,000 levels")
        } catch {
            #expect(error.reason == "nesting deeper than 256 levels at byte 256")
        }
        let fine = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try JSONValue.parse(Array(fine.utf8)) }
    }
}
