import ListeningPostKit

/// One MIME entity: its headers, its content type, and either its (still
/// transfer-encoded) body or, for `multipart/*`, its parts.
struct MIMEEntity: Sendable {
    var headers: MIMEHeaders
    var contentType: MIMEContentType
    var body: ArraySlice<UInt8>
    var parts: [MIMEEntity]

    var isMultipart: Bool { contentType.value.hasPrefix("multipart/") }
    var disposition: MIMEContentType? { headers["Content-Disposition"].map(MIMEContentType.init(parsing:)) }
    var isAttachment: Bool { disposition?.value == "attachment" }
    /// The file name from `Content-Disposition` or, for older mailers, `Content-Type`'s `name`.
    var fileName: String? { disposition?.parameters["filename"] ?? contentType.parameters["name"] }

    /// The body with its Content-Transfer-Encoding undone.
    var decodedBody: [UInt8] { TransferEncoding.decode(body, encoding: headers["Content-Transfer-Encoding"]) }
}

/// Raw RFC 5322 / MIME bytes to a tree of ``MIMEEntity``. Pure and lenient, as mail
/// readers must be: a missing closing boundary ends the part at the end of the message,
/// and each such repair is noted in `problems`. It fails only when there is no message
/// to speak of (no header fields at all).
struct MIMEParser {
    static let maxDepth = 32

    private(set) var problems: [String] = []

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> (entity: MIMEEntity, problems: [String]) {
        var parser = MIMEParser()
        let (headerBytes, _) = split(bytes[...])
        let headers = MIMEHeaders(parsing: headerBytes)
        guard !headers.fields.isEmpty else {
            throw Failure(description: bytes.isEmpty ? "the message is empty" : "the message does not start with header fields")
        }
        let entity = parser.entity(bytes[...], depth: 0, defaultType: "text/plain", headers: headers)
        return (entity, parser.problems)
    }

    /// - Parameter parsed: the entity's headers when the caller has parsed them already.
    private mutating func entity(_ bytes: ArraySlice<UInt8>, depth: Int, defaultType: String, headers parsed: MIMEHeaders? = nil) -> MIMEEntity {
        let (headerBytes, body) = Self.split(bytes)
        let headers = parsed ?? MIMEHeaders(parsing: headerBytes)
        var contentType = headers["Content-Type"].map(MIMEContentType.init(parsing:)) ?? MIMEContentType(value: defaultType)
        if !contentType.value.utf8.contains(UInt8(ascii: "/")) {
            problems.append("Content-Type '\(headers["Content-Type"] ?? "")' is not a media type; read as text/plain")
            contentType = MIMEContentType(value: "text/plain", parameters: contentType.parameters)
        }
        var entity = MIMEEntity(headers: headers, contentType: contentType, body: body, parts: [])
        guard entity.isMultipart else { return entity }
        guard depth < Self.maxDepth else {
            problems.append("multipart nesting deeper than \(Self.maxDepth) levels; the rest is kept as one part")
            return entity
        }
        guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty else {
            problems.append("\(contentType.value) without a boundary; read as one text part")
            entity.contentType = MIMEContentType(value: "text/plain")
            return entity
        }
        let childType = contentType.value == "multipart/digest" ? "message/rfc822" : "text/plain"
        let (bodies, closed) = Self.parts(of: body, boundary: Array(boundary.utf8))
        if bodies.isEmpty {
            problems.append("the boundary \"\(boundary)\" never appears; read as one text part")
            entity.contentType = MIMEContentType(value: "text/plain")
            return entity
        }
        if !closed { problems.append("the closing boundary \"--\(boundary)--\" is missing; the last part runs to the end") }
        entity.parts = bodies.map { self.entity($0, depth: depth + 1, defaultType: childType) }
        return entity
    }

    /// Headers and body, split at the first empty line.
    static func split(_ bytes: ArraySlice<UInt8>) -> (headers: ArraySlice<UInt8>, body: ArraySlice<UInt8>) {
        var index = bytes.startIndex
        var lineStart = index
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                let line = bytes[lineStart..<index]
                if line.isEmpty || (line.count == 1 && line.first == 0x0D) {
                    return (bytes[bytes.startIndex..<lineStart], bytes[(index + 1)...])
                }
                lineStart = index + 1
            }
            index += 1
        }
        return (bytes, bytes[bytes.endIndex...])
    }

    /// The bodies between `--boundary` lines, and whether `--boundary--` closed them.
    static func parts(of body: ArraySlice<UInt8>, boundary: [UInt8]) -> (parts: [ArraySlice<UInt8>], closed: Bool) {
        let delimiter = [UInt8(ascii: "-"), UInt8(ascii: "-")] + boundary
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        var index = body.startIndex
        while lineStart < body.endIndex {
            while index < body.endIndex, body[index] != 0x0A { index += 1 }
            let line = body[lineStart..<index]
            if line.starts(with: delimiter) {
                let rest = line.dropFirst(delimiter.count)
                let isClose = rest.starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")])
                if isClose || rest.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                    if let start = partStart {
                        // The line break before a delimiter belongs to the delimiter.
                        var end = lineStart
                        if end > start, body[end - 1] == 0x0A { end -= 1 }
                        if end > start, body[end - 1] == 0x0D { end -= 1 }
                        parts.append(body[start..<max(start, end)])
                    }
                    if isClose { return (parts, true) }
                    partStart = index < body.endIndex ? index + 1 : body.endIndex
                }
            }
            index += 1
            lineStart = index
        }
        if let start = partStart { parts.append(body[start..<body.endIndex]) }
        return (parts, false)
    }
}
