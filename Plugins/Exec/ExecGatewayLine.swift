import ListeningPostKit

/// What the gateway writes on a plugin's stdin (exec protocol v1, docs/exec-protocol.md):
/// one JSON object per line.
enum ExecGatewayLine {
    /// The first line, before anything is read: the protocol version and the checkpoint to
    /// resume from (null on the very first start).
    static func hello(channel: String, checkpoint: String?) -> [UInt8] {
        encode([
            "type": "hello", "v": .number(Double(ExecPluginLine.supportedVersions.max() ?? 1)),
            "channel": .string(channel), "checkpoint": checkpoint.map(JSONValue.string) ?? .null,
        ])
    }

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
