import Crypto
import Foundation
import ListeningPostKit

/// A fetched mail (raw bytes, UID, UIDVALIDITY) to the message the gateway stores. Pure.
///
/// - Text: the first readable text body (`text/plain`, preferred inside
///   `multipart/alternative`, or any `text/*` that is not a data format, as RFC 2046 asks
///   of unknown subtypes), else the HTML reduced to text. Charsets are honoured; an
///   unknown one is read as Windows-1252 and noted in `metadata.email.problems`. A message
///   with no text of its own (only a forwarded mail) takes the forwarded mail's text.
/// - Attachments: every other part with a file name, an attachment disposition, or a
///   non-text type: name, media type, decoded size and SHA-256. An attached mail
///   (`message/rfc822`, `message/global`) is also described: its from, subject, date and
///   Message-ID.
/// - Threading: the conversation is the thread root — the first `References` id, else
///   `In-Reply-To`, else the message's own `Message-ID`.
/// - Dedup key: the Message-ID plus a digest of the author's headers and body (see
///   ``MessageIdentity``), stable when UIDVALIDITY changes or a relay adds trace fields.
///   A mail that cannot be parsed is keyed `uid:<uidvalidity>:<uid>`.
/// - A message that cannot be parsed still becomes a message: flagged `unparseable`, with
///   the raw headers and the reason in metadata.
enum EmailMessageMapper {
    struct Location: Sendable {
        var mailbox: String
        var uidValidity: UInt32
        var uid: UInt32
    }

    static func message(from raw: [UInt8], at location: Location) -> InboundMessage {
        var email: [String: JSONValue] = [
            "mailbox": .string(location.mailbox), "uid": .number(Double(location.uid)), "uidValidity": .number(Double(location.uidValidity)),
            "size": .number(Double(raw.count)),
        ]
        let parsed: (entity: MIMEEntity, problems: [String])
        do {
            parsed = try MIMEParser.parse(raw)
        } catch {
            var message = InboundMessage(dedupKey: "uid:\(location.uidValidity):\(location.uid)", text: "")
            message.flags.insert(.unparseable)
            email["parseError"] = .string(error.description)
            email["rawHeaders"] = .string(String(decoding: MIMEParser.split(raw[...]).headers.prefix(16_384), as: UTF8.self))
            message.metadata["email"] = .object(email)
            return message
        }
        let root = parsed.entity
        let headers = root.headers
        var problems = parsed.problems

        let messageId = messageIds(headers["Message-ID"]).first
        var message = InboundMessage(dedupKey: MessageIdentity.dedupKey(messageId: messageId, headers: headers, body: root.body), text: "")
        if let from = (headers["From"] ?? headers["Sender"] ?? headers["Reply-To"]).flatMap(EmailAddress.init(header:)) {
            message.author.email = from.address
            message.author.name = from.name
        }
        message.subject = headers["Subject"].map(EncodedWords.decode)
        message.occurredAt = headers["Date"].flatMap(MailDate.parse)
        let references = messageIds(headers["References"])
        let inReplyTo = messageIds(headers["In-Reply-To"]).first
        message.conversationId = references.first ?? inReplyTo ?? messageId

        var body: Body?
        var attachments: [Attachment] = []
        var forwarded: [MIMEEntity] = []
        walk(root, body: &body, attachments: &attachments, forwarded: &forwarded, problems: &problems, insideAlternative: false)
        if body == nil {
            // Only forwarded mail: its text is what the customer sent on.
            for inner in forwarded where body == nil {
                var innerAttachments: [Attachment] = []
                var innerForwarded: [MIMEEntity] = []
                walk(inner, body: &body, attachments: &innerAttachments, forwarded: &innerForwarded, problems: &problems, insideAlternative: false)
            }
            if body != nil { email["textFromForwarded"] = true }
        }
        if let body { message.text = body.text }
        if body?.fromHTML == true { email["textFromHTML"] = true }
        message.attachments = attachments

        if isAutomatic(headers) { message.flags.insert(.autoReply) }
        if let messageId { email["messageId"] = .string(messageId) }
        if let inReplyTo { email["inReplyTo"] = .string(inReplyTo) }
        if !references.isEmpty { email["references"] = .array(references.map { .string($0) }) }
        let to = EmailAddress.list(headers["To"])
        let cc = EmailAddress.list(headers["Cc"])
        if !to.isEmpty { email["to"] = .array(to.map { .string($0) }) }
        if !cc.isEmpty { email["cc"] = .array(cc.map { .string($0) }) }
        if let replyTo = headers["Reply-To"].flatMap(EmailAddress.init(header:)) { email["replyTo"] = .string(replyTo.address) }
        if let autoSubmitted = headers["Auto-Submitted"] { email["autoSubmitted"] = .string(autoSubmitted) }
        if !problems.isEmpty { email["problems"] = .array(problems.map { .string($0) }) }
        message.metadata["email"] = .object(email)
        return message
    }

    private struct Body {
        var text: String
        var fromHTML: Bool
    }

    /// Depth first: the first usable text body, and every other part that is a file.
    /// Attached mails are parsed and handed back in `forwarded`, in order.
    private static func walk(
        _ entity: MIMEEntity,
        body: inout Body?,
        attachments: inout [Attachment],
        forwarded: inout [MIMEEntity],
        problems: inout [String],
        insideAlternative: Bool
    ) {
        if entity.isMultipart, !entity.parts.isEmpty {
            if entity.contentType.value == "multipart/alternative", body == nil {
                // Prefer the plain version; keep the others out of the attachments.
                let ordered = entity.parts.filter { isPlain($0) } + entity.parts.filter { !isPlain($0) }
                for part in ordered where body == nil {
                    walk(part, body: &body, attachments: &attachments, forwarded: &forwarded, problems: &problems, insideAlternative: true)
                }
                for part in entity.parts where isFile(part) { record(part, in: &attachments) }
                return
            }
            for part in entity.parts {
                walk(part, body: &body, attachments: &attachments, forwarded: &forwarded, problems: &problems, insideAlternative: insideAlternative)
            }
            return
        }
        let type = entity.contentType.value
        if isAttachedMail(type) {
            let bytes = entity.decodedBody
            var described: AttachedMessage?
            if let inner = try? MIMEParser.parse(bytes) {
                described = describe(inner.entity.headers)
                forwarded.append(inner.entity)
                problems += inner.problems.map { "in the attached mail: \($0)" }
            } else {
                problems.append("an attached \(type) part has no header fields; kept as a file")
            }
            attachments.append(
                Attachment(
                    name: entity.fileName,
                    mediaType: type,
                    size: bytes.count,
                    sha256: Hex.encode(SHA256.hash(data: bytes)),
                    message: described
                )
            )
            return
        }
        if body == nil, !isFile(entity), isReadableText(type) {
            let charset = entity.contentType.parameters["charset"]
            let (text, fellBack) = Charset.decodeLeniently(entity.decodedBody, charset: charset ?? "us-ascii")
            if fellBack { problems.append("charset '\(charset ?? "none")' is unknown or does not match the bytes; read as Windows-1252") }
            let plain = type == "text/html" ? HTMLText.plainText(from: text) : normalise(text)
            body = Body(text: plain, fromHTML: type == "text/html")
            return
        }
        if insideAlternative, !isFile(entity) { return }
        // Everything else is kept as a file: real files, data formats such as text/calendar,
        // and a second inline text part (a signature, a forwarded note), never lost.
        record(entity, in: &attachments)
    }

    /// `text/*` a person reads. RFC 2046 says an unknown subtype is to be shown as plain
    /// text; the exceptions are the text-based data formats, which are files.
    static func isReadableText(_ type: String) -> Bool {
        type.hasPrefix("text/") && !textDataFormats.contains(type)
    }

    static let textDataFormats: Set<String> = [
        "text/calendar", "text/vcard", "text/x-vcard", "text/directory", "text/csv", "text/tab-separated-values", "text/xml",
        "text/css", "text/javascript", "text/rtf", "text/rfc822-headers", "text/x-vcalendar",
    ]

    static func isAttachedMail(_ type: String) -> Bool {
        type == "message/rfc822" || type == "message/global"
    }

    /// The header fields of an attached mail that say what it is.
    static func describe(_ headers: MIMEHeaders) -> AttachedMessage {
        AttachedMessage(
            from: (headers["From"] ?? headers["Sender"]).flatMap(EmailAddress.init(header:))?.address,
            subject: headers["Subject"].map(EncodedWords.decode),
            date: headers["Date"].flatMap(MailDate.parse),
            messageId: messageIds(headers["Message-ID"]).first
        )
    }

    private static func isPlain(_ entity: MIMEEntity) -> Bool {
        entity.contentType.value == "text/plain" || (entity.isMultipart && entity.parts.contains(where: isPlain))
    }

    private static func isFile(_ entity: MIMEEntity) -> Bool {
        entity.isAttachment || entity.fileName != nil
    }

    private static func record(_ entity: MIMEEntity, in attachments: inout [Attachment]) {
        let bytes = entity.decodedBody
        attachments.append(
            Attachment(
                name: entity.fileName,
                mediaType: entity.contentType.value,
                size: bytes.count,
                sha256: Hex.encode(SHA256.hash(data: bytes))
            )
        )
    }

    /// CRLF to LF, surrounding whitespace trimmed. On bytes: Foundation's
    /// replacingOccurrences/trimmingCharacters bridge through NSString and were 70 % of
    /// the time it took to import a mailbox.
    /// Scans the contiguous UTF-8 once, indexing a buffer rather than iterating the
    /// String's view (which was still 7 % of an import).
    static func normalise(_ text: String) -> String {
        var text = text
        let joined = text.withUTF8 { source -> String? in
            guard source.contains(0x0D) else { return nil }
            return String(unsafeUninitializedCapacity: source.count) { target in
                var written = 0
                for index in source.indices {
                    let byte = source[index]
                    if byte == 0x0D, index + 1 < source.count, source[index + 1] == 0x0A { continue }
                    target[written] = byte
                    written += 1
                }
                return written
            }
        }
        return (joined ?? text).trimmingASCIIWhitespace()
    }

    /// `<id>` tokens of a Message-ID, In-Reply-To or References header, without brackets.
    static func messageIds(_ header: String?) -> [String] {
        guard let header else { return [] }
        var ids: [String] = []
        var rest = Substring(header)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = rest[rest.index(after: open)..<close].trimmingASCIIWhitespace()
            if !id.isEmpty { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        if ids.isEmpty, !header.trimmingASCIIWhitespace().isEmpty, !header.utf8.contains(0x20) { ids.append(header.trimmingASCIIWhitespace()) }
        return ids
    }

    /// RFC 3834 `Auto-Submitted` other than `no`, `Precedence: bulk/junk/list`, and the
    /// de-facto out-of-office headers.
    static func isAutomatic(_ headers: MIMEHeaders) -> Bool {
        if let value = headers["Auto-Submitted"]?.lowercased(), !value.hasPrefix("no") { return true }
        if let value = headers["Precedence"]?.lowercased(), ["bulk", "junk", "list", "auto_reply"].contains(value) { return true }
        return headers["X-Autoreply"] != nil || headers["X-Autorespond"] != nil
            || headers["X-Auto-Response-Suppress"]?.lowercased().contains("oof") == true
    }
}
