import Foundation
import ListeningPostKit

/// Where each message field is found in a payload. Pure: maps a parsed payload to a
/// message or says exactly which field is missing or of the wrong type.
struct WebhookFieldMapping: Sendable {
    struct Field: Sendable, Hashable {
        let name: String
        let defaultPointer: String
        let doc: String

        static let text = Field(name: "text", defaultPointer: "/text", doc: "The message text (a string; numbers are written out).")
        static let subject = Field(name: "subject", defaultPointer: "/subject", doc: "Subject line.")
        static let authorEmail = Field(name: "author_email", defaultPointer: "/email", doc: "Sender's email address.")
        static let authorPhone = Field(
            name: "author_phone",
            defaultPointer: "/phone",
            doc: "Sender's phone; normalised to E.164, else kept raw in metadata and flagged `invalid_phone`."
        )
        static let authorId = Field(name: "author_id", defaultPointer: "/author_id", doc: "The sender's id at the source.")
        static let authorName = Field(name: "author_name", defaultPointer: "/name", doc: "Sender's display name.")
        static let authorHandle = Field(name: "author_handle", defaultPointer: "/handle", doc: "Sender's handle (forum, chat).")
        static let threadId = Field(name: "thread_id", defaultPointer: "/thread_id", doc: "Conversation id.")
        static let occurredAt = Field(
            name: "occurred_at",
            defaultPointer: "/occurred_at",
            doc: "When it was sent: RFC 3339 text, or Unix seconds (milliseconds above 10^12)."
        )
        static let dedupKey = Field(
            name: "dedup_key",
            defaultPointer: "/id",
            doc:
                "The sender's message id. If not mapped explicitly: the `webhook-id` header, else `X-GitHub-Delivery`, "
                + "else `/id`, else the SHA-256 of the body."
        )

        static let score = Field(
            name: "score",
            defaultPointer: "/score",
            doc:
                "An answer to \"how likely are you to recommend us, 0–10?\" (a number or numeric text). Becomes `feedback` "
                + "with its NPS category: 0–6 detractor, 7–8 passive, 9–10 promoter. Read only when mapped; anything but "
                + "a whole number 0–10 is a 400."
        )

        static let reason = Field(
            name: "reason",
            defaultPointer: "/reason",
            doc: "The answer to \"what is the main reason for your score?\" (`feedback.reason`). Read only when mapped, and only with a score."
        )
        static let survey = Field(
            name: "survey",
            defaultPointer: "/survey",
            doc:
                "The survey or campaign id (`feedback.survey`): NPS counts one answer per customer and survey. Read only "
                + "when mapped, and only with a score."
        )

        static let all: [Field] = [
            text, subject, authorEmail, authorPhone, authorId, authorName, authorHandle, threadId, occurredAt, dedupKey, score, reason, survey,
        ]
    }

    var pointers: [Field: JSONPointer]
    var required: Set<Field>
    /// True when the operator named a dedup key pointer; then it must resolve.
    var explicitDedupKey: Bool
    /// True when the operator mapped `score`; an unmapped `/score` may mean anything.
    var explicitScore = false
    /// Likewise for `reason` and `survey`.
    var explicitReason = false
    var explicitSurvey = false

    static let defaults = WebhookFieldMapping(
        pointers: Dictionary(uniqueKeysWithValues: Field.all.map { ($0, JSONPointer($0.defaultPointer)!) }),
        required: [.text],
        explicitDedupKey: false
    )

    init(pointers: [Field: JSONPointer], required: Set<Field>, explicitDedupKey: Bool) {
        self.pointers = pointers
        self.required = required
        self.explicitDedupKey = explicitDedupKey
    }

    init(_ config: ConfigValues, required requiredNames: [String], requiredError: (String) -> ConfigError) throws {
        var errors: [ConfigError] = []
        var pointers: [Field: JSONPointer] = [:]
        for field in Field.all {
            let text = config.string(field.name) ?? field.defaultPointer
            if let pointer = JSONPointer(text) {
                pointers[field] = pointer
            } else {
                errors.append(config.invalid(field.name, "'\(text)' is not a JSON Pointer; it starts with / as in /data/comment"))
            }
        }
        var required: Set<Field> = []
        for name in requiredNames {
            if let field = Field.all.first(where: { $0.name == name }) {
                required.insert(field)
            } else {
                errors.append(requiredError("'\(name)' is not a mapping field (fields: \(Field.all.map(\.name).joined(separator: ", ")))"))
            }
        }
        if !errors.isEmpty { throw ConfigErrors(errors) }
        self.init(pointers: pointers, required: required, explicitDedupKey: config.isGiven(Field.dedupKey.name))
        self.explicitScore = config.isGiven(Field.score.name)
        self.explicitReason = config.isGiven(Field.reason.name)
        self.explicitSurvey = config.isGiven(Field.survey.name)
    }

    /// The field's value; `nil` when absent or null, which is a 400 for a required field.
    private func value(_ field: Field, in payload: JSONValue) throws(HTTPProblem) -> JSONValue? {
        let pointer = pointers[field]!
        switch pointer.resolve(in: payload) {
        case nil, .null?:
            if required.contains(field) { throw .malformed("\(field.name): required field \(pointer) is missing") }
            return nil
        case let value?:
            return value
        }
    }

    /// A string field: strings as is, numbers written out; `nil` when absent or null.
    func string(_ field: Field, in payload: JSONValue) throws(HTTPProblem) -> String? {
        try PayloadField.text(value(field, in: payload), field: field.name, pointer: pointers[field]!)
    }

    /// The time field: RFC 3339 text or Unix seconds/milliseconds.
    func date(_ field: Field, in payload: JSONValue) throws(HTTPProblem) -> Date? {
        try PayloadField.date(value(field, in: payload), field: field.name, pointer: pointers[field]!)
    }

    /// The NPS answer, when `score` is mapped.
    func feedback(in payload: JSONValue) throws(HTTPProblem) -> Feedback? {
        guard explicitScore, let value = try value(.score, in: payload) else { return nil }
        let number: Double?
        switch value {
        case .number(let n): number = n
        case .string(let text): number = Double(text.trimmingASCIIWhitespace())
        default: number = nil
        }
        guard let number, var feedback = Feedback(score: number) else {
            throw .malformed(
                "score: \(pointers[.score]!) must be a whole number from 0 to 10, got \(String(decoding: value.compactJSON(), as: UTF8.self))"
            )
        }
        if explicitReason { feedback.reason = try string(.reason, in: payload).flatMap { $0.isEmpty ? nil : $0 } }
        if explicitSurvey { feedback.survey = try string(.survey, in: payload) }
        return feedback
    }
}
