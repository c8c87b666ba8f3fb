/// An RFC 9457 problem: the JSON body every 4xx and 5xx from the gateway carries.
///
/// `type` is a stable URI naming the kind of problem (documented in the README), so
/// clients can branch on it; `detail` is for people.
public struct HTTPProblem: Error, Sendable, Hashable {
    /// A stable identifier, e.g. `https://listening-post.dev/problems/bad-signature`.
    public var type: String
    /// A short, fixed summary of the problem type.
    public var title: String
    /// The HTTP status code.
    public var status: Int
    /// What exactly was wrong with this request.
    public var detail: String

    /// Creates a problem. `slug` becomes the last part of `type`.
    public init(status: Int, slug: String, title: String, detail: String) {
        self.type = "https://listening-post.dev/problems/\(slug)"
        self.title = title
        self.status = status
        self.detail = detail
    }

    /// The JSON body.
    public func json() -> [UInt8] {
        JSONValue.object([
            "type": .string(type), "title": .string(title), "status": .number(Double(status)), "detail": .string(detail),
        ]).compactJSON()
    }

    /// 400: the body could not be read as the endpoint expects.
    public static func malformed(_ detail: String) -> HTTPProblem {
        .init(status: 400, slug: "malformed-payload", title: "Malformed payload", detail: detail)
    }
    /// 401: signature missing, wrong or stale.
    public static func badSignature(_ detail: String) -> HTTPProblem {
        .init(status: 401, slug: "bad-signature", title: "Signature verification failed", detail: detail)
    }
    /// 413: body larger than the endpoint accepts.
    public static func tooLarge(limit: Int) -> HTTPProblem {
        .init(status: 413, slug: "payload-too-large", title: "Payload too large", detail: "the body exceeds the limit of \(limit) bytes")
    }
    /// 415: a content type the endpoint does not read.
    public static func unsupportedMediaType(_ detail: String) -> HTTPProblem {
        .init(status: 415, slug: "unsupported-media-type", title: "Unsupported media type", detail: detail)
    }
    /// 503: the log could not commit; the sender should retry.
    public static func unavailable(_ detail: String) -> HTTPProblem {
        .init(status: 503, slug: "unavailable", title: "Temporarily unavailable", detail: detail)
    }
}

extension HTTPProblem {
    /// A short reason label for `listening_post_rejected_total`: `signature`,
    /// `too_large`, `media_type` or `malformed`.
    public var metricReason: String {
        switch status {
        case 401: "signature"
        case 413: "too_large"
        case 415: "media_type"
        default: "malformed"
        }
    }
}
