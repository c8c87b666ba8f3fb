import Foundation

/// Reading one mapped field of a parsed payload, with the exact 400 to answer when it has
/// the wrong kind. Shared by every adapter that maps fields with ``JSONPointer``.
public enum PayloadField {
    /// Strings as they are, whole numbers without a fraction, other numbers written out;
    /// `nil` when absent or null.
    public static func text(_ value: JSONValue?, field: String, pointer: JSONPointer) throws(HTTPProblem) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let number)?: return number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case let other?: throw .malformed("\(field): \(pointer) must be a string, found \(other.kindDescription)")
        }
    }

    /// RFC 3339 text, or Unix seconds (milliseconds above 10^12) as a number or digits;
    /// `nil` when absent or null.
    public static func date(_ value: JSONValue?, field: String, pointer: JSONPointer) throws(HTTPProblem) -> Date? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?: return Date(timeIntervalSince1970: number > 1e12 ? number / 1000 : number)
        case .string(let text)?:
            // Form bodies carry only strings, so Unix time may arrive as digits.
            if let number = Double(text), text.allSatisfy({ $0.isNumber || $0 == "." }) {
                return Date(timeIntervalSince1970: number > 1e12 ? number / 1000 : number)
            }
            guard let date = RFC3339.date(from: text) else { throw .malformed("\(field): \(pointer) is not an RFC 3339 time: '\(text)'") }
            return date
        case let other?: throw .malformed("\(field): \(pointer) must be an RFC 3339 string or Unix seconds, found \(other.kindDescription)")
        }
    }
}
