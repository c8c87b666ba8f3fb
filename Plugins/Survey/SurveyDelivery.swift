import ListeningPostKit

/// What a survey tool's delivery comes to, before it is stored.
enum SurveyDelivery: Sendable, Equatable {
    /// A response to store. `supersedesKey` is the dedup key of the earlier delivery of
    /// the same response that this one corrects (its event becomes `feedback.supersedes`).
    case response(InboundMessage, supersedesKey: String?)
    /// A delivery that carries no response (a ping, an unsubscribe, a response not finished
    /// yet): answered 202, counted under `listening_post_ignored_total{reason}`.
    case ignored(reason: String, detail: String)
}

/// Reading the members of a provider's payload, with the exact problem when one is of the
/// wrong kind. Pure.
struct SurveyPayload {
    let root: [String: JSONValue]
    let path: String

    init(_ object: [String: JSONValue], path: String) {
        root = object
        self.path = path
    }

    init(_ value: JSONValue?, path: String) throws(HTTPProblem) {
        guard case .object(let object)? = value else {
            throw .malformed("\(path): expected an object, got \(value?.kindDescription ?? "nothing")")
        }
        self.init(object, path: path)
    }

    func object(_ key: String) throws(HTTPProblem) -> SurveyPayload {
        try SurveyPayload(root[key], path: "\(path).\(key)")
    }

    func optionalObject(_ key: String) throws(HTTPProblem) -> SurveyPayload? {
        switch root[key] {
        case nil, .null?: return nil
        case let value?: return try SurveyPayload(value, path: "\(path).\(key)")
        }
    }

    /// A string member; numbers are written out (ids are sometimes numbers).
    func string(_ key: String) throws(HTTPProblem) -> String? {
        switch root[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case .number(let number)? where number == number.rounded() && abs(number) < 1e15: return String(Int(number))
        case let value?: throw .malformed("\(path).\(key): expected a string, got \(value.kindDescription)")
        }
    }

    func requiredString(_ key: String) throws(HTTPProblem) -> String {
        guard let text = try string(key), !text.isEmpty else { throw .malformed("\(path).\(key): required, and missing") }
        return text
    }

    func number(_ key: String) throws(HTTPProblem) -> Double? {
        switch root[key] {
        case nil, .null?: return nil
        case .number(let number)?: return number
        case let value?: throw .malformed("\(path).\(key): expected a number, got \(value.kindDescription)")
        }
    }

    func array(_ key: String) throws(HTTPProblem) -> [JSONValue] {
        switch root[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let value?: throw .malformed("\(path).\(key): expected a list, got \(value.kindDescription)")
        }
    }
}

extension Feedback {
    /// The NPS answer a survey tool sent, or the exact problem: only a whole number 0–10 is
    /// a score.
    static func surveyScore(_ number: Double, at path: String, reason: String?, survey: String) throws(HTTPProblem) -> Feedback {
        guard let feedback = Feedback(score: number, reason: reason, survey: survey) else {
            throw .malformed("\(path): \(JSONValue.number(number).compactJSONText) is not an NPS score (a whole number from 0 to 10)")
        }
        return feedback
    }
}

extension JSONValue {
    var compactJSONText: String { String(decoding: compactJSON(), as: UTF8.self) }
}
