import ListeningPostKit

/// What the gateway writes on a plugin's stdin (exec protocol v2, docs/exec-protocol.md):
/// one JSON object per line.
enum ExecGatewayLine {
    /// The first line, before anything is read: the protocol version and the checkpoint to
    /// resume from (null on the very first start).
    /// A channel that sends (`send: true`) is told `"v": 2` and `"send": true`; every other
    /// plugin hears `"v": 1`, exactly as before v2, so a v1 plugin that checks it keeps working.
    static func hello(channel: String, checkpoint: String?, send: Bool = false) -> [UInt8] {
        var object: [String: JSONValue] = [
            "type": "hello", "v": .number(Double(version(sending: send))),
            "channel": .string(channel), "checkpoint": checkpoint.map(JSONValue.string) ?? .null,
        ]
        if send { object["send"] = true }
        return encode(.object(object))
    }

    /// The version a session speaks.
    static func version(sending: Bool) -> Int { sending ? 2 : 1 }

    /// A line is committed: its message is stored (or was already, `duplicate`) and its
    /// checkpoint, if any, will be handed back on the next start.
    static func ack(line: Int, ref: JSONValue?, receipt: IngestReceipt?, checkpoint: String?) -> [UInt8] {
        var object: [String: JSONValue] = ["type": "ack", "line": .number(Double(line))]
        if let ref { object["ref"] = ref }
        if let receipt {
            object["id"] = .string(receipt.eventId)
            object["duplicate"] = .bool(receipt.duplicate)
        }
        if let checkpoint { object["checkpoint"] = .string(checkpoint) }
        return encode(.object(object))
    }

    /// A message for the plugin to send (v2, channels with `send: true`); it answers with a
    /// `sent` or `send_failed` line carrying the same `id`.
    static func send(_ message: OutboundMessage) -> [UInt8] {
        var to: [String: JSONValue] = [:]
        if let email = message.to.email { to["email"] = .string(email) }
        if let phone = message.to.phone { to["phone"] = .string(phone) }
        if let handle = message.to.handle { to["handle"] = .string(handle) }
        if let id = message.to.id { to["id"] = .string(id) }
        var object: [String: JSONValue] = ["type": "send", "v": 2, "id": .string(message.id), "to": .object(to), "text": .string(message.text)]
        if let subject = message.subject { object["subject"] = .string(subject) }
        if let thread = message.inReplyTo {
            var reply: [String: JSONValue] = [:]
            if let conversationId = thread.conversationId { reply["conversationId"] = .string(conversationId) }
            if let messageId = thread.messageId { reply["messageId"] = .string(messageId) }
            if let subject = thread.subject { reply["subject"] = .string(subject) }
            if !thread.references.isEmpty { reply["references"] = .array(thread.references.map { .string($0) }) }
            object["inReplyTo"] = .object(reply)
        }
        return encode(.object(object))
    }

    /// A line was refused; nothing from it is stored.
    static func error(line: Int, ref: JSONValue?, code: String, message: String) -> [UInt8] {
        var object: [String: JSONValue] = ["type": "error", "line": .number(Double(line)), "code": .string(code), "error": .string(message)]
        if let ref { object["ref"] = ref }
        return encode(.object(object))
    }

    private static func encode(_ value: JSONValue) -> [UInt8] {
        value.compactJSON() + [UInt8(ascii: "\n")]
    }
}
