import Foundation
import HTTPTypes
import ListeningPostKit
import Logging
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Transcribes voicemails the provider does not: fetches the audio (Twilio: HTTP Basic with
/// the account SID and the auth token; Vonage: the application's RS256 JWT), hands it to the operator's transcriber program, and
/// stores the transcript as an event naming the voicemail it completes, as Twilio's own.
///
/// Nothing waits on it: the voicemail is acknowledged when it and its job are committed
/// together (the jobs are the channel's checkpoint), and the transcript comes when it comes.
/// After a crash the committed jobs are read back and done; one whose transcript is already
/// stored is dropped. The audio is kept only while the program runs, in a private
/// temporary file, so no recording outlives its transcription on the gateway's disk.
actor VoicemailTranscriber {
    private let settings: TranscriberSettings
    private let context: AdapterContext
    private let twilioAuthToken: String?
    private let vonage: VonageApplication?
    private var pending: [TranscriptionJob] = []
    private var notBefore: [String: Date] = [:]
    private var loaded = false
    /// Commits of the checkpoint run one after another, so the last committed one holds
    /// every job (an actor alone would interleave them at each `await`).
    private var commitTail: Task<Void, Never>?

    init(settings: TranscriberSettings, context: AdapterContext, twilioAuthToken: String?, vonage: VonageApplication?) {
        self.settings = settings
        self.context = context
        self.twilioAuthToken = twilioAuthToken
        self.vonage = vonage
    }

    /// Stores the voicemail and its job in one commit.
    func storeVoicemail(_ message: InboundMessage, job: TranscriptionJob) async throws -> IngestReceipt {
        try await serialized {
            try await self.loadIfNeeded()
            let next = await self.pending.filter { $0.recording != job.recording } + [job]
            let receipt = try await self.context.sink.submit([message], checkpoint: TranscriptionJob.checkpoint(next))[0]
            await self.setPending(next)
            return receipt
        }
    }

    /// Works the queue until the channel stops.
    func run() async {
        while !Task.isCancelled {
            do {
                if !loaded { try await serialized { try await self.loadIfNeeded() } }
                let now = context.clock.now()
                if let job = pending.first(where: { (notBefore[$0.recording] ?? .distantPast) <= now }) {
                    await work(job)
                    continue
                }
            } catch {
                context.logger.warning("could not read the transcription queue; retrying", metadata: ["error": "\(error)"])
            }
            do { try await context.clock.sleep(for: .milliseconds(250)) } catch { return }
        }
    }

    /// Twilio says the recording can be fetched: a job waiting to retry tries now.
    func recordingReady(_ recording: String) { notBefore[recording] = nil }

    private func setPending(_ jobs: [TranscriptionJob]) { pending = jobs }

    private func loadIfNeeded() async throws {
        guard !loaded else { return }
        pending = TranscriptionJob.jobs(fromCheckpoint: try await context.sink.lastCheckpoint())
        loaded = true
        if !pending.isEmpty { context.logger.info("resuming \(pending.count) voicemail transcription(s) committed before the last stop") }
    }

    private func serialized<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = commitTail
        let task = Task {
            _ = await previous?.value
            return try await body()
        }
        commitTail = Task { _ = try? await task.value }
        return try await task.value
    }

    /// One try at a job: its transcript stored (and the job gone) in one commit, or a retry
    /// later, or after the last try the voicemail flagged `transcription_failed` with why.
    private func work(_ job: TranscriptionJob) async {
        var job = job
        if let stored = try? await context.sink.storedEventIds(forDedupKeys: [job.transcriptKey]), !stored.isEmpty {
            try? await finish(job, with: nil)
            return
        }
        job.attempts += 1
        let outcome: Result<(text: String, engine: String), TranscriptionFailure>
        do {
            outcome = .success(try await transcribe(job))
        } catch let failure as TranscriptionFailure {
            outcome = .failure(failure)
        } catch {
            outcome = .failure(TranscriptionFailure(description: "\(error)"))
        }
        switch outcome {
        case .success(let result):
            try? await finish(job, with: job.transcript(text: result.text, engine: result.engine, failure: nil))
        case .failure(let failure) where job.attempts >= settings.attempts:
            context.logger.warning(
                "gave up transcribing a voicemail; stored it as transcription_failed",
                metadata: ["recording": "\(job.recording)", "attempts": "\(job.attempts)", "error": "\(failure.description)"]
            )
            try? await finish(job, with: job.transcript(text: "", engine: nil, failure: failure.description))
        case .failure(let failure):
            let delay = Backoff(initial: settings.retryAfter, maximum: .seconds(600)).delay(afterFailures: job.attempts)
            context.logger.notice(
                "could not transcribe a voicemail; will retry",
                metadata: ["recording": "\(job.recording)", "attempt": "\(job.attempts)", "retry_in": "\(delay)", "error": "\(failure.description)"]
            )
            pending = pending.map { $0.recording == job.recording ? job : $0 }
            notBefore[job.recording] = context.clock.now().addingTimeInterval(Double(delay.components.seconds))
        }
    }

    /// Commits the transcript (if any) with the checkpoint that no longer holds the job.
    private func finish(_ job: TranscriptionJob, with transcript: InboundMessage?) async throws {
        do {
            try await serialized {
                let next = await self.pending.filter { $0.recording != job.recording }
                _ = try await self.context.sink.submit(transcript.map { [$0] } ?? [], checkpoint: TranscriptionJob.checkpoint(next))
                await self.setPending(next)
            }
            notBefore[job.recording] = nil
        } catch {
            // The log refused the commit: the job stays, and is tried again shortly.
            context.logger.warning("could not store a transcript; will retry", metadata: ["recording": "\(job.recording)", "error": "\(error)"])
            notBefore[job.recording] = context.clock.now().addingTimeInterval(5)
        }
    }

    /// Fetches the audio, runs the program on it, reads its answer.
    private func transcribe(_ job: TranscriptionJob) async throws -> (text: String, engine: String) {
        let audio = try await fetch(job)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("listening-post-\(UUID().uuidString).wav")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(audio), attributes: [.posixPermissions: 0o600]) else {
            throw TranscriptionFailure(description: "could not write the audio to \(file.path)")
        }
        defer { try? FileManager.default.removeItem(at: file) }
        return try await TranscriberProgram(command: settings.command, timeout: settings.timeout).run(audio: file.path, language: settings.language)
    }

    private func fetch(_ job: TranscriptionJob) async throws -> [UInt8] {
        var address = job.mediaURL
        // Twilio serves a recording's WAV at its URL with `.wav` appended.
        if job.provider == "twilio", !address.hasSuffix(".wav"), !address.hasSuffix(".mp3") { address += ".wav" }
        guard let url = URL(string: address), let scheme = url.scheme, let host = url.host,
            scheme == "https" || (scheme == "http" && (host == "127.0.0.1" || host == "localhost" || host == "::1"))
        else { throw TranscriptionFailure(description: "the media URL \(address) is not https (http only to loopback)") }
        var request = HTTPRequest(method: .get, url: url)
        if job.provider == "twilio", let account = job.account, let token = twilioAuthToken {
            request.headerFields[.authorization] = "Basic " + Data("\(account):\(token)".utf8).base64EncodedString()
        }
        if job.provider == "vonage", let vonage {
            request.headerFields[.authorization] = "Bearer " + (try await vonage.token(now: context.clock.now()))
        }
        let response: OutboundHTTPResponse
        do {
            response = try await context.http.send(request, body: [], timeout: settings.fetchTimeout, maxResponseSize: settings.maxAudioSize)
        } catch {
            throw TranscriptionFailure(description: "fetching \(address): \(error)")
        }
        guard response.head.status == .ok else { throw TranscriptionFailure(description: "fetching \(address): HTTP \(response.head.status.code)") }
        guard !response.body.isEmpty else { throw TranscriptionFailure(description: "fetching \(address): the recording is empty") }
        return response.body
    }
}

/// Why one try failed, in words for the log and the event.
struct TranscriptionFailure: Error, CustomStringConvertible {
    let description: String
}
