import Foundation
import Testing

@testable import VoiceAdapter

/// The TwiML the channel answers with is, byte for byte, what twilio-python's
/// `VoiceResponse` builds for the same settings (Fixtures/twiml, written by it; see the
/// comment at the top of each test for the calls).
@Suite struct VoiceTwiMLTests {
    static func fixture(_ name: String) throws -> String {
        let url = Bundle.module.url(forResource: "Fixtures/twiml/\(name)", withExtension: "xml")!
        return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .newlines)
    }

    static let defaults = TwiML.Record(
        maxLengthSeconds: 120,
        timeoutSeconds: 5,
        finishOnKey: "#",
        playBeep: true,
        trimSilence: true,
        transcribe: false
    )

    /// `say(greeting, voice="alice", language="en-US")`, `record(action=…/recorded, finish_on_key="#",
    /// max_length=120, method="POST", play_beep=True, timeout=5, trim="trim-silence",
    /// recording_status_callback=…/recording-status, recording_status_callback_event="completed absent")`,
    /// `redirect(…/missed, method="POST")`.
    @Test func theDefaultAnswerIsWhatVoiceResponseBuilds() throws {
        let greeting = TwiML.Greeting.say(text: "Thank you for calling. Please leave a message after the tone.", voice: "alice", language: "en-US")
        #expect(TwiML.answer(path: "/hooks/voice", greeting: greeting, record: Self.defaults) == (try Self.fixture("say-and-record")))
    }

    /// `play(url)`, `record(…, finish_on_key="*#", max_length=90, play_beep=False, trim="do-not-trim",
    /// transcribe=True, transcribe_callback=…/transcript)`: a URL with `&` escaped, attributes in order.
    @Test func playAndTranscribeAreWhatVoiceResponseBuilds() throws {
        var record = Self.defaults
        record.maxLengthSeconds = 90
        record.finishOnKey = "*#"
        record.playBeep = false
        record.trimSilence = false
        record.transcribe = true
        let answer = TwiML.answer(path: "/hooks/voice", greeting: .play(url: "https://example.com/greeting.mp3?voice=1&lang=en"), record: record)
        #expect(answer == (try Self.fixture("play-record-transcribe")))
    }

    /// A call the outbox places: `say(text, voice="alice", language="en-US")`, then
    /// `gather(action=https://…/score?attempt=1, …)` with the question, then `redirect(…)`:
    /// absolute URLs, as inline TwiML has no document URL.
    @Test func aSurveyCallIsWhatVoiceResponseBuilds() throws {
        let call = TwiML.outboundCall(
            text: "Hello Ann, this is Acme & co. about your call last week.",
            voice: "alice",
            language: "en-US",
            survey: Self.survey,
            base: "https://voice.example.com/hooks/voice"
        )
        #expect(call == (try Self.fixture("outbound-survey-call")))
    }

    /// `dial("+442079460000", action=…/dialed, method="POST", timeout=20)`.
    @Test func ringingTheDeskIsWhatVoiceResponseBuilds() throws {
        #expect(TwiML.dial(path: "/hooks/voice", desk: "+442079460000", ringSeconds: 20) == (try Self.fixture("dial-desk")))
    }

    /// `say("Thank you. Goodbye & <bye>")`, `hangup()`.
    @Test func theGoodbyeIsWhatVoiceResponseBuilds() throws {
        #expect(TwiML.goodbye("Thank you. Goodbye & <bye>") == (try Self.fixture("goodbye")))
    }

    static let survey = KeypadSurvey(
        id: "hotline-nps",
        question: "How likely are you to recommend us to a friend or colleague? Press a number from 0 to 10, then the hash key.",
        reasonPrompt: "Thank you. In a few words, what is the main reason for your score?",
        language: "en-US",
        voice: "alice"
    )

    /// `gather(action=…/score?attempt=1, finish_on_key="#", input="dtmf", method="POST", num_digits=2, timeout=6)`
    /// with the question said in it, then `redirect(…/score?attempt=1, method="POST")`.
    @Test func theScoreQuestionIsWhatVoiceResponseBuilds() throws {
        #expect(TwiML.askScore(path: "/hooks/voice", attempt: 1, survey: Self.survey) == (try Self.fixture("ask-score")))
    }

    /// `gather(action=…/reason?score=9&answer=evt-1, input="speech", language="en-US", method="POST",
    /// speech_timeout="auto", timeout=6)` with the reason question, then the redirect.
    @Test func theReasonQuestionIsWhatVoiceResponseBuilds() throws {
        #expect(TwiML.askReason(path: "/hooks/voice", score: 9, answer: "evt-1", survey: Self.survey) == (try Self.fixture("ask-reason")))
    }

    /// Keys as a score: one key, or 1 then 0; nothing else.
    @Test(
        arguments: [
            ("0", 0), ("7", 7), ("9", 9), ("10", 10), ("", nil), ("11", nil), ("05", nil), ("99", nil), ("*", nil), ("1#", nil), ("١", nil),
        ] as [(String, Int?)]
    )
    func keysReadAsAScore(_ keys: String, _ score: Int?) {
        #expect(KeypadSurvey.score(keys: keys) == score, "\(keys)")
    }
}
