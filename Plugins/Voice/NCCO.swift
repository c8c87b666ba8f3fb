import ListeningPostKit

/// The Call Control Object the voice channel answers a Vonage call with. Pure: a function
/// of the settings and the record webhook's URL, so golden files pin it.
///
/// Only actions and fields the NCCO reference documents: `talk` (`text`, `language`),
/// `stream` (`streamUrl`, an array), `record` (`beepStart`, `endOnSilence` 3–10 s,
/// `endOnKey`, `timeOut`, `format`, `eventUrl` as an array, `eventMethod`). The recording is
/// asked for as WAV, which a transcriber reads without converting.
enum NCCO {
    static func answer(greeting: TwiML.Greeting, record: TwiML.Record, recordURL: String, thanks: String) -> [UInt8] {
        var actions: [JSONValue] = []
        switch greeting {
        case .say(let text, _, let language):
            actions.append(["action": "talk", "text": .string(text), "language": .string(language)])
        case .play(let url):
            actions.append(["action": "stream", "streamUrl": [.string(url)]])
        }
        actions.append([
            "action": "record",
            "beepStart": .bool(record.playBeep),
            "endOnSilence": .number(Double(record.timeoutSeconds)),
            "endOnKey": .string(record.finishOnKey),
            "timeOut": .number(Double(record.maxLengthSeconds)),
            "format": "wav",
            "eventUrl": [.string(recordURL)],
            "eventMethod": "POST",
        ])
        actions.append(["action": "talk", "text": .string(thanks)])
        return JSONValue.array(actions).compactJSON()
    }
}
