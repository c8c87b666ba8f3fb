// bench/mime.sh's measurement: MIME parsing throughput over the golden files and a
// generated mix of ~4.5 KB support mails, beside a reference that makes one byte-level
// pass over the same bytes (finding every line end, the least any parser must do).
// Built only with LISTENING_POST_BENCH=1, which compiles IMAPAdapter with -enable-testing
// so this can reach its internal parser in a release build.
import Foundation
import ListeningPostKit

@testable import IMAPAdapter

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let seconds = Double(CommandLine.arguments.dropFirst().first ?? "") ?? 3

/// The golden files' inputs: each file's text before its `----------` line.
func goldenMessages() throws -> [[UInt8]] {
    let directory = root.appendingPathComponent("Tests/IMAPAdapterTests/Fixtures/mime")
    // Bytes, not text: some fixtures are ISO-8859-1 or windows-1252 on purpose.
    let separator = Array("\n----------\n".utf8)
    return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent(name)))
        let end = (0...(bytes.count - separator.count)).first { Array(bytes[$0..<$0 + separator.count]) == separator } ?? bytes.count
        return bytes[..<end].flatMap { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }
    }
}

/// A support mail of about 4.5 KB: text and HTML alternatives in quoted-printable, an
/// encoded-word subject, a small base64 attachment; `index` varies every part.
func generatedMessage(_ index: Int) -> [UInt8] {
    let boundary = "b\(index)-outer"
    let inner = "b\(index)-inner"
    let words = (0..<40).map { "word\(($0 * 7 + index) % 97)" }.joined(separator: " ")
    let attachment = Data((0..<1_200).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }).base64EncodedString(options: [
        .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
    ])
    let text = """
        Return-Path: <c\(index)@example.com>\r
        From: "Customer \(index)" <c\(index)@example.com>\r
        To: support@example.com\r
        Subject: =?utf-8?q?Order_=23\(index)_arrived_broken_=E2=80=94_help?=\r
        Date: Mon, 23 Nov 2026 09:15:02 +0000\r
        Message-ID: <m\(index)@mail.example.com>\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="\(boundary)"\r
        \r
        --\(boundary)\r
        Content-Type: multipart/alternative; boundary="\(inner)"\r
        \r
        --\(inner)\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        Hello, order \(index) arrived broken =E2=80=94 \(words)=\r
         and again \(words)\r
        \r
        --\(inner)\r
        Content-Type: text/html; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        <p>Hello, order \(index) arrived broken =E2=80=94 \(words)</p><p>\(words)</p>\r
        --\(inner)--\r
        --\(boundary)\r
        Content-Type: image/jpeg; name="photo\(index).jpg"\r
        Content-Disposition: attachment; filename="photo\(index).jpg"\r
        Content-Transfer-Encoding: base64\r
        \r
        \(attachment)\r
        --\(boundary)--\r

        """
    return Array(text.utf8)
}

/// Runs `body` over the messages, round after round, for `seconds`; MB/s and µs per message.
func measure(_ label: String, _ messages: [[UInt8]], _ body: ([UInt8]) -> Int) {
    // ONLY=<part of a label> runs just those measurements, for a profiler.
    if let only = ProcessInfo.processInfo.environment["ONLY"], !label.contains(only) { return }
    let bytes = messages.reduce(0) { $0 + $1.count }
    var rounds = 0
    var sink = 0
    let start = ContinuousClock.now
    var elapsed = Duration.zero
    repeat {
        for message in messages { sink &+= body(message) }
        rounds += 1
        elapsed = ContinuousClock.now - start
    } while elapsed < .seconds(seconds)
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let megabytes = Double(bytes * rounds) / 1e6
    let padded = label.padding(toLength: 46, withPad: " ", startingAt: 0)
    print(
        padded
            + String(
                format: " %8.1f MB/s %8.2f µs per message (%d messages of %d bytes on average, checksum %d)",
                megabytes / total,
                total * 1e6 / Double(rounds * messages.count),
                messages.count,
                bytes / messages.count,
                sink
            )
    )
}

/// One pass finding every CRLF, with memchr: the floor under any MIME parser.
func lineEnds(_ message: [UInt8]) -> Int {
    message.withUnsafeBufferPointer { buffer in
        var count = 0
        var cursor = UnsafeRawPointer(buffer.baseAddress!)
        let end = cursor + buffer.count
        while cursor < end, let found = memchr(cursor, 0x0A, end - cursor) {
            count += 1
            cursor = UnsafeRawPointer(found) + 1
        }
        return count
    }
}

func parse(_ message: [UInt8]) -> Int {
    (try? MIMEParser.parse(message))?.entity.parts.count ?? -1
}

/// What an import does per mail: parse, decode, pick the text, read the addresses.
func map(_ message: [UInt8]) -> Int {
    EmailMessageMapper.message(from: message, at: .init(mailbox: "INBOX", uidValidity: 1, uid: 1)).text.utf8.count
}

let golden = try goldenMessages()
let mix = (0..<200).map(generatedMessage)
for (name, messages) in [("golden files", golden), ("generated mix", mix)] {
    print("\(name):")
    measure("reference: one pass over the bytes (memchr)", messages, lineEnds)
    measure("MIMEParser.parse", messages, parse)
    measure("EmailMessageMapper.message (parse and map)", messages, map)
}
