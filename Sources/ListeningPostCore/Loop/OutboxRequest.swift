import Foundation
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

    public init(sendingChannels: [String: String], channelIds: Set<String>) {
        self.sendingChannels = sendingChannels
        self.channelIds = channelIds
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
                throw Refusal(description: "channel: '\(channel)' cannot send (sending channels: \(sendingChannels.keys.sorted().joined(separator: ", ")))")
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
            to = given
        }
        return (channel, to)
    }

    /// The `queued` event for a message.
    public static func queued(
        id: String, channel: String, to: Author, customer: String?, text: String, subject: String?, source: String, now: Date, ids: EventIDGenerator
    ) -> OutboxEvent {
        var details: [String: JSONValue] = ["to": .object(SurveyPrompt.identities(to)), "text": .string(text), "source": .string(source)]
        if let customer { details["customer"] = .string(customer) }
        if let subject { details["subject"] = .string(subject) }
        return OutboxEvent(id: ids.next(), kind: .queued, time: now, item: id, channel: channel, details: details)
    }
}
