import ListeningPostKit

/// The respondent's identities, as every channel records them.
enum SurveyIdentity {
    /// E.164 where the number can be normalised; else the raw value in `metadata.rawPhone`
    /// and the flag `invalid_phone`, as the webhook channel does.
    static func setPhone(_ raw: String, on message: inout InboundMessage) {
        if let phone = PhoneNumber.e164(raw) {
            message.author.phone = phone
        } else {
            message.flags.insert(.invalidPhone)
            message.metadata["rawPhone"] = .string(raw)
        }
    }
}
