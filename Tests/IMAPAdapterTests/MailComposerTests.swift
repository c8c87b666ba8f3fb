import Foundation
import ListeningPostKit
import Testing

@testable import IMAPAdapter

/// Outgoing mail bytes, without a server: what each header and body form must be.
@Suite struct MailComposerTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)

    static func mail(subject: String = "Re: Refund", text: String = "Hello Ann", fromName: String? = nil) -> MailComposer.Mail {
        MailComposer.Mail(
            from: "support@example.com",
            fromName: fromName,
            to: "ann@example.com",
            subject: subject,
            text: text,
            messageId: MailComposer.messageId(outboxId: "0193", from: "support@example.com"),
            inReplyTo: "<a1@example.com>",
            references: ["<a0@example.com>", "<a1@example.com>"],
            date: date
        )
    }

    @Test func anASCIIReplyIsSevenBitWithItsThread() {
        let text = String(decoding: MailComposer.compose(Self.mail(text: "Hello Ann,\nall sorted.")), as: UTF8.self)
        #expect(
            text == """
                Date: Wed, 18 Nov 2026 11:06:40 +0000\r
                From: <support@example.com>\r
                To: <ann@example.com>\r
                Subject: Re: Refund\r
                Message-ID: <outbox.0193@example.com>\r
                In-Reply-To: <a1@example.com>\r
                References: <a0@example.com> <a1@example.com>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: 7bit\r
                \r
                Hello Ann,\r
                all sorted.\r

                """
        )
    }

    @Test func nonASCIIGoesQuotedPrintableAndSubjectsAsEncodedWords() {
        let composed = String(
            decoding: MailComposer.compose(
                Self.mail(subject: "Re: Rückerstattung für Bestellung 1187 — danke schön, wirklich", text: "Grüße = 100 %", fromName: "Zoë Support")
            ),
            as: UTF8.self
        )
        #expect(composed.contains("From: =?utf-8?B?Wm/DqyBTdXBwb3J0?= <support@example.com>\r\n"))
        #expect(composed.contains("Subject: =?utf-8?B?"))
        #expect(composed.contains("\r\n =?utf-8?B?"), "a long encoded subject is folded")
        #expect(composed.contains("Content-Transfer-Encoding: quoted-printable\r\n"))
        #expect(composed.hasSuffix("\r\n\r\nGr=C3=BC=C3=9Fe =3D 100 %\r\n"))
        for line in composed.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
    }

    @Test func longLinesGetSoftBreaksAndTrailingSpaceIsEncoded() {
        let encoded = MailComposer.quotedPrintable(String(repeating: "é", count: 40) + " \nend ")
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.hasSuffix("=") } == false)
        #expect(lines.last == "end=20")
        #expect(encoded.contains("=20\r\nend=20"), "a space before a line end is encoded")
    }

    @Test func aReplySubjectGetsReOnce() {
        #expect(MailComposer.replySubject(nil, thread: .init(subject: "Refund")) == "Re: Refund")
        #expect(MailComposer.replySubject(nil, thread: .init(subject: "RE: Refund")) == "RE: Refund")
        #expect(MailComposer.replySubject("Your order", thread: .init(subject: "Refund")) == "Your order")
        #expect(MailComposer.replySubject(nil, thread: nil) == "Your message")
    }
}
