import HTTPTypes
import ListeningPostKit

extension VoiceAdapter {
    /// Vonage: the answer URL (`GET` by default, or `POST`) gets the NCCO; the record
    /// webhook, signed, is the voicemail; the event URL's status changes are verified and
    /// acknowledged, not stored (which ones mean a missed call is not documented).
    static func vonageEndpoints(_ settings: VoiceSettings, context: AdapterContext, transcriber: VoicemailTranscriber?) -> [HTTPEndpoint] {
        let parser = VonageVoiceParser(
            callerKeys: settings.signatureKeys,
            publicURL: settings.vonagePublicURL ?? "",
            defaultRegion: settings.defaultRegion
        )
        let signed = VonageSignedWebhook(secrets: settings.signatureSecrets)
        let answer: @Sendable (InboundHTTPRequest) async -> InboundHTTPResponse = { request in
            let call: VonageVoiceParser.Call
            do throws(HTTPProblem) {
                call = try parser.call(request)
            } catch {
                return context.reject(error)
            }
            let ncco = NCCO.answer(
                greeting: settings.greeting,
                record: settings.record,
                recordURL: parser.recordURL(for: call),
                thanks: settings.thanks
            )
            return InboundHTTPResponse(status: .ok, headerFields: [.contentType: "application/json"], body: ncco)
        }
        return [
            HTTPEndpoint(method: .get, path: settings.path, maxBodySize: settings.maxBodySize, handler: answer),
            HTTPEndpoint(method: .post, path: settings.path, maxBodySize: settings.maxBodySize, handler: answer),
            HTTPEndpoint(method: .post, path: settings.path + VonageVoiceParser.Callback.recorded.rawValue, maxBodySize: settings.maxBodySize) {
                request in
                let message: InboundMessage
                do throws(HTTPProblem) {
                    if !signed.isEmpty { try await signed.verify(request) }
                    message = try parser.voicemail(request)
                } catch {
                    return context.reject(error)
                }
                // Vonage's own transcription is not used: every voicemail goes to the transcriber.
                let job = TranscriptionJob(voicemail: message, provider: "vonage")
                return await Self.store(message, job: job, transcriber: transcriber, context: context) { _ in InboundHTTPResponse(status: .ok) }
            },
            HTTPEndpoint(method: .post, path: settings.path + VonageVoiceParser.Callback.event.rawValue, maxBodySize: settings.maxBodySize) {
                request in
                do throws(HTTPProblem) {
                    if !signed.isEmpty { try await signed.verify(request) }
                    _ = try request.payloadObject()
                } catch {
                    return context.reject(error)
                }
                return InboundHTTPResponse(status: .ok)
            },
        ]
    }
}
