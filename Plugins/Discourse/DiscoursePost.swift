import Foundation
import ListeningPostKit

/// A post as Discourse serialises it, in webhooks (`{"post": …}`) and in
/// `GET /posts.json` (`{"latest_posts": […]}`). Only what the event needs is read; every
/// other field may be absent.
struct DiscoursePost: Sendable, Decodable, Equatable {
    var id: Int
    var topicId: Int
    var postNumber: Int?
    var username: String?
    var name: String?
    var userId: Int?
    var cooked: String?
    var raw: String?
    var createdAt: String?
    var updatedAt: String?
    var topicTitle: String?
    var topicSlug: String?
    var categoryId: Int?
    var categorySlug: String?
    var replyToPostNumber: Int?
    var postType: Int?
    var version: Int?

    enum CodingKeys: String, CodingKey {
        case id, username, name, cooked, raw, version
        case topicId = "topic_id"
        case postNumber = "post_number"
        case userId = "user_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case topicTitle = "topic_title"
        case topicSlug = "topic_slug"
        case categoryId = "category_id"
        case categorySlug = "category_slug"
        case replyToPostNumber = "reply_to_post_number"
        case postType = "post_type"
    }

    /// The dedup key of the post as first written; an edit's key refers to it.
    var originalDedupKey: String { "post:\(id)" }

    /// The message this post is. An edit is a message of its own, keyed by the edit time,
    /// flagged ``MessageFlag/edited`` and naming the original in metadata.
    func message(instance: String?, edited: Bool) -> InboundMessage {
        let editStamp = updatedAt ?? version.map { "v\($0)" } ?? "edit"
        var message = InboundMessage(
            dedupKey: edited ? "\(originalDedupKey):edited:\(editStamp)" : originalDedupKey,
            text: cooked.map(HTMLText.plainText(from:)) ?? raw ?? ""
        )
        message.author.handle = username
        message.author.name = name.flatMap { $0.isEmpty ? nil : $0 }
        message.author.id = userId.map(String.init)
        message.conversationId = String(topicId)
        message.subject = topicTitle
        message.occurredAt = (edited ? updatedAt : createdAt).flatMap(RFC3339.date(from:))
        var metadata: [String: JSONValue] = [
            "postId": .number(Double(id)), "topicId": .number(Double(topicId)),
        ]
        if let instance { metadata["instance"] = .string(instance) }
        if let postNumber { metadata["postNumber"] = .number(Double(postNumber)) }
        if let categoryId { metadata["categoryId"] = .number(Double(categoryId)) }
        if let categorySlug { metadata["categorySlug"] = .string(categorySlug) }
        if let topicSlug { metadata["topicSlug"] = .string(topicSlug) }
        if let replyToPostNumber { metadata["replyToPostNumber"] = .number(Double(replyToPostNumber)) }
        if let version { metadata["version"] = .number(Double(version)) }
        if edited {
            message.flags.insert(.edited)
            metadata["originalDedupKey"] = .string(originalDedupKey)
        }
        message.metadata["discourse"] = .object(metadata)
        return message
    }
}
