import Foundation

extension MessageEvent {
    /// Compact JSON with sorted keys: the stored and delivered form. Written by hand
    /// rather than through `Codable` because it runs once per ingested event; the golden
    /// tests and a round-trip test hold it to the `Decodable` side.
    public func jsonBytes() -> [UInt8] {
        var writer = JSONWriter(capacity: 768 + data.text.utf8.count)
        var object = JSONWriter.ObjectWriter()
        object.key("channel", into: &writer)
        writer.write(string: channel)
        object.key("channelkind", into: &writer)
        writer.write(string: channelKind)
        object.key("data", into: &writer)
        data.write(into: &writer)
        object.key("datacontenttype", into: &writer)
        writer.raw("\"application/json\"")
        object.key("id", into: &writer)
        writer.write(string: id)
        if let segment {
            object.key("segment", into: &writer)
            writer.write(string: segment)
        }
        object.key("source", into: &writer)
        writer.write(string: source)
        object.key("specversion", into: &writer)
        writer.write(string: Self.specVersion)
        if let subject {
            object.key("subject", into: &writer)
            writer.write(string: subject)
        }
        object.key("time", into: &writer)
        writer.write(string: RFC3339.string(from: time))
        object.key("type", into: &writer)
        writer.write(string: type)
        object.close(into: &writer)
        return writer.bytes
    }
}

extension MessageEventData {
    func write(into writer: inout JSONWriter) {
        var object = JSONWriter.ObjectWriter()
        object.key("attachments", into: &writer)
        writer.raw("[")
        for (position, attachment) in attachments.enumerated() {
            if position > 0 { writer.raw(",") }
            attachment.write(into: &writer)
        }
        writer.raw("]")
        object.key("author", into: &writer)
        author.write(into: &writer)
        object.key("channel", into: &writer)
        var channelObject = JSONWriter.ObjectWriter()
        channelObject.key("id", into: &writer)
        writer.write(string: channel.id)
        channelObject.key("kind", into: &writer)
        writer.write(string: channel.kind)
        channelObject.close(into: &writer)
        writeIfPresent("conversationId", conversationId, &object, &writer)
        if let customer {
            object.key("customer", into: &writer)
            var customerObject = JSONWriter.ObjectWriter()
            customerObject.key("id", into: &writer)
            writer.write(string: customer.id)
            customerObject.key("provisional", into: &writer)
            writer.write(.bool(customer.provisional))
            customerObject.close(into: &writer)
        }
        object.key("dedupKey", into: &writer)
        writer.write(string: dedupKey)
        if let feedback {
            object.key("feedback", into: &writer)
            var feedbackObject = JSONWriter.ObjectWriter()
            writeIfPresent("category", feedback.category.rawValue, &feedbackObject, &writer)
            writeIfPresent("reason", feedback.reason, &feedbackObject, &writer)
            feedbackObject.key("score", into: &writer)
            writer.raw(String(feedback.score))
            writeIfPresent("source", feedback.source.rawValue, &feedbackObject, &writer)
            writeIfPresent("supersedes", feedback.supersedes, &feedbackObject, &writer)
            writeIfPresent("survey", feedback.survey, &feedbackObject, &writer)
            feedbackObject.close(into: &writer)
        }
        object.key("flags", into: &writer)
        writer.write(.array(flags.map { .string($0.rawValue) }))
        object.key("metadata", into: &writer)
        writer.write(.object(metadata))
        writeIfPresent("occurredAt", occurredAt.map(RFC3339.string(from:)), &object, &writer)
        writeIfPresent("preferredChannel", preferredChannel, &object, &writer)
        object.key("receivedAt", into: &writer)
        writer.write(string: RFC3339.string(from: receivedAt))
        if let responseTarget {
            object.key("responseTarget", into: &writer)
            var targetObject = JSONWriter.ObjectWriter()
            targetObject.key("due", into: &writer)
            writer.write(string: RFC3339.string(from: responseTarget.due))
            targetObject.key("seconds", into: &writer)
            writer.raw(String(responseTarget.seconds))
            targetObject.close(into: &writer)
        }
        writeIfPresent("segment", segment, &object, &writer)
        writeIfPresent("subject", subject, &object, &writer)
        object.key("text", into: &writer)
        writer.write(string: text)
        if !themes.isEmpty {
            object.key("themes", into: &writer)
            writer.raw("[")
            for (position, mention) in themes.enumerated() {
                if position > 0 { writer.raw(",") }
                var mentionObject = JSONWriter.ObjectWriter()
                mentionObject.key("language", into: &writer)
                writer.write(string: mention.language)
                mentionObject.key("negated", into: &writer)
                writer.write(.bool(mention.negated))
                mentionObject.key("phrase", into: &writer)
                writer.write(string: mention.phrase)
                mentionObject.key("theme", into: &writer)
                writer.write(string: mention.theme)
                mentionObject.close(into: &writer)
            }
            writer.raw("]")
        }
        object.close(into: &writer)
    }
}

extension Author {
    func write(into writer: inout JSONWriter) {
        var object = JSONWriter.ObjectWriter()
        writeIfPresent("email", email, &object, &writer)
        writeIfPresent("handle", handle, &object, &writer)
        writeIfPresent("id", id, &object, &writer)
        writeIfPresent("name", name, &object, &writer)
        writeIfPresent("phone", phone, &object, &writer)
        object.close(into: &writer)
    }
}

extension Attachment {
    func write(into writer: inout JSONWriter) {
        var object = JSONWriter.ObjectWriter()
        object.key("mediaType", into: &writer)
        writer.write(string: mediaType)
        if let message {
            object.key("message", into: &writer)
            message.write(into: &writer)
        }
        writeIfPresent("name", name, &object, &writer)
        writeIfPresent("sha256", sha256, &object, &writer)
        if let size {
            object.key("size", into: &writer)
            writer.raw(String(size))
        }
        writeIfPresent("url", url, &object, &writer)
        object.close(into: &writer)
    }
}

extension AttachedMessage {
    func write(into writer: inout JSONWriter) {
        var object = JSONWriter.ObjectWriter()
        writeIfPresent("date", date.map(RFC3339.string(from:)), &object, &writer)
        writeIfPresent("from", from, &object, &writer)
        writeIfPresent("messageId", messageId, &object, &writer)
        writeIfPresent("subject", subject, &object, &writer)
        object.close(into: &writer)
    }
}

/// A string member written only when present, as `encodeIfPresent` does.
private func writeIfPresent(_ key: String, _ value: String?, _ object: inout JSONWriter.ObjectWriter, _ writer: inout JSONWriter) {
    guard let value else { return }
    object.key(key, into: &writer)
    writer.write(string: value)
}
