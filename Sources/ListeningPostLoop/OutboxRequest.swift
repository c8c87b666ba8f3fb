import Foundation
import ListeningPostCore
import ListeningPostKit

/// Where a message to a customer goes: the channel (the one asked for, else the customer's
/// preferred channel) and their address on it (a phone on SMS, an email on a mailbox, a
/// handle on a forum), from the request or the customer directory. Pure, so the outbox API
/// and the case loop resolve recipients alike.
public struct OutboxAddressing: Sendable {
    /// Channels that can send, by id, with their kind.
    public let sendingChannels: [String: String]
    /// Every channel id, for messages naming one that cannot send.
    public let channelIds: Set<String>
    /// Channels that take phone calls (`voice`): what comes from them is answered by SMS.
    public let phoneLines: Set<String>

    public init(sendingChannels: [String: String], channelIds: Set<String>, phoneLines: Set<String> = []) {
        self.sendingChannels = sendingChannels
        self.channelIds = channelIds
        self.phoneLines = phoneLines
    }

    /// A refusal, worded for the caller.
    public struct Refusal: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The channel and address for a customer (or a bare address), or why there is none.
    public func resolve(channel asked: String?, to given: Author, customer: Customer?) throws(Refusal) -> (channel: String, to: Author) {
        guard let channel = asked ?? customer?.preferredChannel else {
            throw Refusal(description: "channel: required (the customer has no preferred channel)")
        }
        guard let kind = sendingChannels[channel] else {
            if channelIds.contains(channel) {
                throw Refusal(
                    description: "channel: '\(channel)' cannot send (sending channels: \(sendingChannels.keys.sorted().joined(separator: ", ")))"
                )
            }
            throw Refusal(description: "channel: '\(channel)' is not a channel")
        }
        var to = Author()
        switch kind {
        case "sms":
            to.phone = given.phone ?? customer?.phones.first.flatMap { PhoneNumber.e164($0) ?? $0 }
            if to.phone == nil { throw Refusal(description: "to: no phone number for this customer on \(channel)") }
        case "imap":
            to.email = given.email ?? customer?.emails.first
            if to.email == nil { throw Refusal(description: "to: no email address for this customer on \(channel)") }
        case "discourse":
            to.handle = given.handle ?? customer?.handles[channel]
            if to.handle == nil { throw Refusal(description: "to: no forum handle for this customer on \(channel)") }
        default:
            // A plugin's channel: every address the customer has, for the plugin to choose.
            to = given
            to.email = to.email ?? customer?.emails.first
            to.phone = to.phone ?? customer?.phones.first.flatMap { PhoneNumber.e164($0) ?? $0 }
            if let customer, to.handle == nil { to.handle = customer.handles[channel] }
            to.id = to.id ?? customer?.channelIds[channel]
            if to.email == nil, to.phone == nil, to.handle == nil, to.id == nil {
                throw Refusal(description: "to: no address for this customer on \(channel)")
            }
        }
        return (channel, to)
    }

    /// The `queued` event for a message.
    public static func queued(
        id: String,
        channel: String,
        to: Author,
        customer: String?,
        text: String,
        subject: String?,
        source: String,
        now: Date,
        ids: EventIDGenerator,
        thread: ThreadReference? = nil,
        survey: SurveyRequest? = nil
    ) -> OutboxEvent {
        var details: [String: JSONValue] = ["to": .object(SurveyPrompt.identities(to)), "text": .string(text), "source": .string(source)]
        if let survey { details["survey"] = survey.json }
        if let thread { details["thread"] = thread.json }
        if let customer { details["customer"] = .string(customer) }
        if let subject { details["subject"] = .string(subject) }
        return OutboxEvent(id: ids.next(), kind: .queued, time: now, item: id, channel: channel, details: details)
    }
}

extension ThreadReference {
    /// As events store it.
    public var json: JSONValue {
        var object: [String: JSONValue] = [:]
        if let conversationId { object["conversationId"] = .string(conversationId) }
        if let messageId { object["messageId"] = .string(messageId) }
        if let subject { object["subject"] = .string(subject) }
        if !references.isEmpty { object["references"] = .array(references.map { .string($0) }) }
        return .object(object)
    }

    /// Read back from an event; `nil` when absent.
    public init?(json: JSONValue?) {
        guard case .object(let object)? = json else { return nil }
        var references: [String] = []
        if case .array(let values)? = object["references"] { references = values.compactMap(\.stringValue) }
        self.init(
            conversationId: object["conversationId"]?.stringValue,
            messageId: object["messageId"]?.stringValue,
            subject: object["subject"]?.stringValue,
            references: references
        )
    }

    /// The thread of an inbound message: its conversation, its own id and references (email
    /// headers the IMAP channel records under `metadata.email`), its subject.
    public init?(message data: MessageEventData) {
        let email = data.metadata["email"]?.objectValue ?? [:]
        var references: [String] = []
        if case .array(let values)? = email["references"] { references = values.compactMap(\.stringValue) }
        let messageId = email["messageId"]?.stringValue
        guard data.conversationId != nil || messageId != nil else { return nil }
        self.init(conversationId: data.conversationId, messageId: messageId, subject: data.subject, references: references)
    }
}
