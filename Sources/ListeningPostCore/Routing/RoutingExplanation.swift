import Foundation
import ListeningPostKit

/// What `listening-post route --dry-run` prints: who the sender resolved to, which segment
/// and why, where they want an answer and why, each route's verdict, and the streams.
public enum RoutingExplanation {
    /// Reads a sample: either a CloudEvent as `tail` prints it, or the short form
    /// `{"channel": "sms-replies", "author": {"phone": "+44…"}, "text": "…", "subject": "…", "score": 3}`.
    public static func sample(_ bytes: [UInt8], config: GatewayConfig) throws -> MessageEvent {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes)
        } catch {
            throw SampleError(description: "the sample is not JSON: \(error)")
        }
        guard case .object(let object) = value else { throw SampleError(description: "the sample must be a JSON object") }
        if object["specversion"] != nil {
            do {
                return try MessageEvent.decode(bytes)
            } catch {
                throw SampleError(description: "the sample looks like a CloudEvent but is not one this gateway wrote: \(error)")
            }
        }
        guard let channelId = object["channel"]?.stringValue else {
            throw SampleError(description: "the sample needs \"channel\" (a channel id), or must be a CloudEvent")
        }
        guard let channel = config.channels.first(where: { $0.id == channelId }) else {
            throw SampleError(description: "no channel '\(channelId)' in the config (channels: \(config.channels.map(\.id).joined(separator: ", ")))")
        }
        var author = Author()
        if case .object(let fields)? = object["author"] {
            author.email = fields["email"]?.stringValue
            author.phone = fields["phone"]?.stringValue.map { PhoneNumber.e164($0) ?? $0 }
            author.handle = fields["handle"]?.stringValue
            author.id = fields["id"]?.stringValue
            author.name = fields["name"]?.stringValue
        }
        var message = InboundMessage(
            dedupKey: "dry-run",
            author: author,
            subject: object["subject"]?.stringValue,
            text: object["text"]?.stringValue ?? ""
        )
        if case .number(let score)? = object["score"] { message.feedback = Feedback(score: score) }
        return MessageEvent(id: "dry-run", channel: channel.identity, message: message, receivedAt: Date())
    }

    /// The explanation, one fact per line.
    public static func render(_ event: MessageEvent, rules: RoutingRules, directory: CustomerDirectory) -> String {
        let routed = rules.apply(to: event, directory: directory)
        var lines: [String] = []
        lines.append("message on channel \(event.channel) (\(event.channelKind))")
        switch routed.resolution {
        case nil:
            lines.append("customer: none (the author has no email, phone, handle or id)")
        case let resolution? where resolution.customer != nil:
            lines.append("customer: \(resolution.id), matched by \(resolution.identity)")
        case let resolution?:
            lines.append("customer: \(resolution.id) (provisional: \(resolution.identity) is not in the directory)")
        }
        let segment = rules.segments.first { $0.name == routed.event.segment }
        let segmentReason = segment.map { $0.condition.map { "matched \($0)" } ?? "the catch-all" } ?? "no segment rule matched"
        lines.append("segment: \(routed.event.segment ?? "-") (\(segmentReason))")
        let preferredReason: String
        if routed.resolution?.customer?.preferredChannel != nil {
            preferredReason = "the customer's own preference"
        } else if segment?.preferredChannel != nil {
            preferredReason = "segment \(segment!.name)'s default"
        } else {
            preferredReason = "where the message came in"
        }
        lines.append("preferred channel: \(routed.event.data.preferredChannel ?? "-") (\(preferredReason))")
        if let target = routed.event.data.responseTarget {
            lines.append("response target: \(target.seconds)s, due \(RFC3339.string(from: target.due))")
        }
        if let feedback = routed.event.data.feedback {
            lines.append("feedback: \(feedback.score) (\(feedback.category.rawValue))")
        }
        for mention in routed.event.data.themes {
            lines.append(
                "theme: \(mention.theme) (matched '\(mention.phrase)', \(mention.language)\(mention.negated ? "; negated, so it does not count" : ""))"
            )
        }
        lines.append("routes:")
        var stoppedBy: String?
        for route in rules.routes {
            let verdict: String
            if let stoppedBy {
                verdict = "skipped (\(stoppedBy) has stop: true)"
            } else if routed.matchedRoutes.contains(route.name) {
                verdict = "matched → \(route.streams.joined(separator: ", "))"
                if route.stop { stoppedBy = route.name }
            } else {
                verdict = "no match"
            }
            lines.append("  \(route.name): \(verdict)   when \(route.condition)")
        }
        if rules.routes.isEmpty { lines.append("  (none configured)") }
        if routed.matchedRoutes.isEmpty { lines.append("no route matched: the fallback stream \(rules.fallbackStream) gets it") }
        lines.append("streams: \(routed.streams.joined(separator: ", "))")
        return lines.joined(separator: "\n")
    }

    /// A sample that cannot be read.
    public struct SampleError: Error, CustomStringConvertible {
        public var description: String
    }
}
