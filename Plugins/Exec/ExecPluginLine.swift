import Foundation
import ListeningPostKit

/// One line a plugin wrote on stdout, decoded (exec protocol v1 and v2, docs/exec-protocol.md).
/// A pure parser: bytes in, a line or an error naming the field out.
struct ExecPluginLine: Equatable {
    enum Kind: Equatable {
        /// A message to store.
        case message(InboundMessage)
        /// Progress without a message (rows the plugin skipped), committed as a checkpoint.
        case checkpoint
        /// v2: the plugin handed the outbox message `id` to its provider.
        case sent(id: String, providerId: String)
        /// v2: it could not; `retryable` says whether the outbox should try again.
        case sendFailed(id: String, error: String, retryable: Bool, retryAfter: Int?)
    }

    var kind: Kind
    /// The plugin's resume token, committed with this line.
    var checkpoint: String?
    /// The plugin's own reference, echoed in the ack or error.
    var ref: JSONValue?

    /// The protocol versions this gateway speaks.
    /// v2 adds `sent` and `send_failed` (answers to the gateway's `send`); v1 lines mean
    /// what they always did.
    static let supportedVersions = [1, 2]
    static let maxCheckpointLength = 4096
    static let maxDedupKeyLength = 1024

    private static let messageKeys: Set<String> = [
        "v", "type", "ref", "checkpoint", "dedupKey", "text", "subject", "author", "conversationId",
        "occurredAt", "attachments", "flags", "metadata", "score", "reason", "survey",
    ]
    private static let checkpointKeys: Set<String> = ["v", "type", "ref", "checkpoint"]
    private static let sentKeys: Set<String> = ["v", "type", "ref", "id", "providerId"]
    private static let sendFailedKeys: Set<String> = ["v", "type", "ref", "id", "error", "retryable", "retryAfter"]
    private static let authorKeys: Set<String> = ["email", "phone", "handle", "name", "id"]
    private static let attachmentKeys: Set<String> = ["name", "mediaType", "size", "sha256", "url"]

    /// Why a line was refused. `ref` is the line's own ref when it could be read, so the
    /// plugin can match the error to what it sent.
    struct Refusal: Error, Equatable, CustomStringConvertible {
        var reason: String
        var code: String
        var ref: JSONValue?
        var description: String { reason }
    }

    /// Decodes one line (without its newline).
    static func decode(_ bytes: [UInt8]) throws(Refusal) -> ExecPluginLine {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw Refusal(reason: "not JSON: \(error.reason)", code: "malformed")
        }
        guard case .object(let object) = value else {
            throw Refusal(reason: "expected a JSON object, found \(value.kindDescription)", code: "malformed")
        }
        let ref = object["ref"]
        func refuse(_ reason: String, code: String = "malformed") -> Refusal { Refusal(reason: reason, code: code, ref: ref) }

        guard let versionValue = object["v"] else {
            throw refuse("missing \"v\": every line names its protocol version, \"v\": 1")
        }
        guard case .number(let version) = versionValue, let known = Int(exactly: version), supportedVersions.contains(known) else {
            throw refuse(
                "unsupported protocol version \(describe(versionValue)); this gateway speaks \"v\": \(supportedVersions.map(String.init).joined(separator: ", "))",
                code: "unsupported_version"
            )
        }
        let reader = FieldReader(object: object, path: "", refuse: { refuse($0, code: $1) })
        let checkpoint = try reader.string("checkpoint")
        if let checkpoint, checkpoint.utf8.count > maxCheckpointLength {
            throw refuse("\"checkpoint\" is \(checkpoint.utf8.count) bytes; at most \(maxCheckpointLength)")
        }
        switch try reader.string("type") {
        case "message":
            try reader.rejectUnknown(allowed: messageKeys)
            let message = try decodeMessage(reader)
            return ExecPluginLine(kind: .message(message), checkpoint: checkpoint, ref: ref)
        case "checkpoint":
            try reader.rejectUnknown(allowed: checkpointKeys)
            guard checkpoint != nil else { throw refuse("a \"checkpoint\" line needs a \"checkpoint\" string") }
            return ExecPluginLine(kind: .checkpoint, checkpoint: checkpoint, ref: ref)
        case let kind? where kind == "sent" || kind == "send_failed":
            guard known >= 2 else { throw refuse("\"\(kind)\" lines are protocol v2; write \"v\": 2", code: "unsupported_version") }
            try reader.rejectUnknown(allowed: kind == "sent" ? sentKeys : sendFailedKeys)
            guard let id = try reader.string("id"), !id.isEmpty else { throw refuse("a \"\(kind)\" line needs the \"id\" of the send it answers") }
            if kind == "sent" {
                guard let providerId = try reader.string("providerId"), !providerId.isEmpty else {
                    throw refuse("a \"sent\" line needs \"providerId\", the provider's id for the message")
                }
                return ExecPluginLine(kind: .sent(id: id, providerId: providerId), checkpoint: nil, ref: ref)
            }
            guard let error = try reader.string("error"), !error.isEmpty else {
                throw refuse("a \"send_failed\" line needs \"error\", the provider's answer")
            }
            let retryable = try reader.bool("retryable") ?? true
            return ExecPluginLine(
                kind: .sendFailed(id: id, error: error, retryable: retryable, retryAfter: try reader.count("retryAfter")),
                checkpoint: nil,
                ref: ref
            )
        case let other?:
            throw refuse("unknown \"type\" \"\(other)\"; expected \"message\", \"checkpoint\", \"sent\" or \"send_failed\"")
        case nil:
            throw refuse("missing \"type\"; expected \"message\", \"checkpoint\", \"sent\" or \"send_failed\"")
        }
    }

    private static func decodeMessage(_ reader: FieldReader) throws(Refusal) -> InboundMessage {
        guard let dedupKey = try reader.string("dedupKey"), !dedupKey.isEmpty else {
            throw reader.refuse("a message needs a non-empty \"dedupKey\": the log stores one event per key, so a resent line is not stored twice")
        }
        guard dedupKey.utf8.count <= maxDedupKeyLength else {
            throw reader.refuse("\"dedupKey\" is \(dedupKey.utf8.count) bytes; at most \(maxDedupKeyLength)")
        }
        guard let text = try reader.string("text") else {
            throw reader.refuse("a message needs \"text\" (a string, may be empty)")
        }
        var message = InboundMessage(dedupKey: dedupKey, text: text)
        message.subject = try reader.string("subject")
        message.conversationId = try reader.string("conversationId")
        if let occurred = try reader.string("occurredAt") {
            guard let date = RFC3339.date(from: occurred) else {
                throw reader.refuse("\"occurredAt\" \"\(occurred)\" is not an RFC 3339 time such as 2026-11-23T09:00:00Z")
            }
            message.occurredAt = date
        }
        if let author = try reader.object("author") {
            try author.rejectUnknown(allowed: authorKeys)
            message.author.email = try author.string("email")
            message.author.handle = try author.string("handle")
            message.author.name = try author.string("name")
            message.author.id = try author.string("id")
            if let phone = try author.string("phone") {
                // As every channel does: E.164 or nothing in `author.phone`.
                if let normalised = PhoneNumber.e164(phone) {
                    message.author.phone = normalised
                } else {
                    message.flags.insert(.invalidPhone)
                    message.metadata["rawPhone"] = .string(phone)
                }
            }
        }
        for (index, item) in try reader.array("attachments").enumerated() {
            guard case .object(let fields) = item else {
                throw reader.refuse("\"attachments[\(index)]\" must be an object, found \(item.kindDescription)")
            }
            let attachment = FieldReader(object: fields, path: "attachments[\(index)].", refuse: reader.makeRefusal)
            try attachment.rejectUnknown(allowed: attachmentKeys)
            guard let mediaType = try attachment.string("mediaType"), !mediaType.isEmpty else {
                throw reader.refuse("\"attachments[\(index)].mediaType\" is required, such as \"text/csv\"")
            }
            let sha256 = try attachment.string("sha256")
            if let sha256, sha256.count != 64 || !sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
                throw reader.refuse("\"attachments[\(index)].sha256\" must be 64 lowercase hex digits")
            }
            message.attachments.append(
                Attachment(
                    name: try attachment.string("name"),
                    mediaType: mediaType,
                    size: try attachment.count("size"),
                    sha256: sha256,
                    url: try attachment.string("url")
                )
            )
        }
        for (index, item) in try reader.array("flags").enumerated() {
            guard case .string(let flag) = item, !flag.isEmpty else {
                throw reader.refuse("\"flags[\(index)]\" must be a non-empty string such as \"auto_reply\"")
            }
            message.flags.insert(MessageFlag(rawValue: flag))
        }
        if let metadata = try reader.object("metadata") {
            message.metadata.merge(metadata.fields) { _, plugin in plugin }
        }
        if let score = try reader.count("score") {
            guard var feedback = Feedback(score: score) else {
                throw reader.refuse("\"score\" \(score) is outside 0–10 (an NPS answer)")
            }
            feedback.reason = try reader.string("reason")
            feedback.survey = try reader.string("survey")
            message.feedback = feedback
        } else if try reader.string("reason") != nil {
            throw reader.refuse("\"reason\" belongs to an NPS answer; give \"score\" too")
        } else if try reader.string("survey") != nil {
            throw reader.refuse("\"survey\" belongs to an NPS answer; give \"score\" too")
        }
        return message
    }

    fileprivate static func describe(_ value: JSONValue) -> String {
        switch value {
        case .string(let text): "\"\(text)\""
        case .number(let number): number.rounded() == number && abs(number) < 1e15 ? String(Int(number)) : String(number)
        default: value.kindDescription
        }
    }
}

/// Reads typed fields of one JSON object, refusing a wrong type with the field's path.
private struct FieldReader {
    let fields: [String: JSONValue]
    let path: String
    let makeRefusal: (String, String) -> ExecPluginLine.Refusal

    init(object: [String: JSONValue], path: String, refuse: @escaping (String, String) -> ExecPluginLine.Refusal) {
        self.fields = object
        self.path = path
        self.makeRefusal = refuse
    }

    func refuse(_ reason: String) -> ExecPluginLine.Refusal { makeRefusal(reason, "malformed") }

    /// A string field; absent or null is nil.
    func string(_ key: String) throws(ExecPluginLine.Refusal) -> String? {
        switch fields[key] {
        case nil, .null?: return nil
        case .string(let text)?: return text
        case let other?: throw refuse("\"\(path)\(key)\" must be a string, found \(other.kindDescription)")
        }
    }

    /// A boolean; absent or null is nil.
    func bool(_ key: String) throws(ExecPluginLine.Refusal) -> Bool? {
        switch fields[key] {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        case let other?: throw refuse("\"\(path)\(key)\" must be true or false, found \(other.kindDescription)")
        }
    }

    /// A whole number ≥ 0; absent or null is nil.
    func count(_ key: String) throws(ExecPluginLine.Refusal) -> Int? {
        switch fields[key] {
        case nil, .null?: return nil
        case .number(let number)?:
            guard let whole = Int(exactly: number), whole >= 0 else {
                throw refuse("\"\(path)\(key)\" must be a whole number ≥ 0, found \(ExecPluginLine.describe(.number(number)))")
            }
            return whole
        case let other?: throw refuse("\"\(path)\(key)\" must be a number, found \(other.kindDescription)")
        }
    }

    /// A nested object; absent or null is nil.
    func object(_ key: String) throws(ExecPluginLine.Refusal) -> FieldReader? {
        switch fields[key] {
        case nil, .null?: return nil
        case .object(let nested)?: return FieldReader(object: nested, path: "\(path)\(key).", refuse: makeRefusal)
        case let other?: throw refuse("\"\(path)\(key)\" must be an object, found \(other.kindDescription)")
        }
    }

    /// An array; absent or null is empty.
    func array(_ key: String) throws(ExecPluginLine.Refusal) -> [JSONValue] {
        switch fields[key] {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let other?: throw refuse("\"\(path)\(key)\" must be an array, found \(other.kindDescription)")
        }
    }

    /// Refuses a key the protocol does not define, suggesting the closest one: a misspelt
    /// field would otherwise be dropped without a word.
    func rejectUnknown(allowed: Set<String>) throws(ExecPluginLine.Refusal) {
        for key in fields.keys.sorted() where !allowed.contains(key) {
            let hint = closestName(to: key, among: allowed.sorted()).map { "; did you mean \"\(path)\($0)\"?" } ?? ""
            throw refuse("unknown field \"\(path)\(key)\"\(hint)")
        }
    }
}
