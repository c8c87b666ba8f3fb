// bench/phone.sh's measurement: what parsing one phone number costs, for the notations
// the SMS channels see, beside a reference loop that only copies the same strings.
import Foundation
import ListeningPostKit

let numbers: [(raw: String, region: String?)] = [
    ("+14155550100", nil), ("+447700900123", nil), ("07700 900123", "GB"), ("+44 (0)7700 900123", nil),
    ("(201) 555-0123", "US"), ("06 1234 5678", "IT"), ("whatsapp:+14155552671", nil), ("011 44 7700 900123", "US"),
]
let rounds = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 200_000

func measure(_ label: String, _ body: (String, String?) -> Int) {
    var sink = 0
    let start = ContinuousClock.now
    for round in 0..<rounds {
        let number = numbers[round % numbers.count]
        sink &+= body(number.raw, number.region)
    }
    let elapsed = ContinuousClock.now - start
    let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
    print(String(format: "%@: %.0f ns per number (%d numbers, checksum %d)", label, nanoseconds / Double(rounds), rounds, sink))
}

measure("reference: copy the string") { raw, _ in String(raw).utf8.count }
measure("PhoneNumber.e164, numbers seen before (cached)") { raw, region in PhoneNumber.e164(raw, defaultRegion: region)?.utf8.count ?? 0 }
// 100,000 distinct senders, more than the cache holds: every call parses.
var sender = 0
measure("PhoneNumber.e164, new numbers (libphonenumber parses)") { _, _ in
    sender = (sender + 1) % 100_000
    return PhoneNumber.e164("+447700" + String(String(sender + 1_000_000).dropFirst()), defaultRegion: nil)?.utf8.count ?? 0
}
