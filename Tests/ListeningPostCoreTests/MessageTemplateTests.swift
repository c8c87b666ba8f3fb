import Foundation
import ListeningPostCore
import ListeningPostKit
import ListeningPostLoop
import Testing

/// Message templates: rendered by swift-mustache as plain text, every variable checked
/// against what a message has before anything is sent.
struct MessageTemplateTests {
    static let known = TemplateVariables.standard(attributeKeys: ["name"], attributesOpen: false)

    @Test func rendersTheCustomerTheCaseAndTheSegmentAsPlainText() throws {
        let template = try MessageTemplate(
            "Hi {{customer.attributes.name}} & co, case {{case.id}}{{#case.owner}} is with {{case.owner}}{{/case.owner}}{{^case.owner}} waits for someone{{/case.owner}}; we answer within {{segment.response_target}}.",
            known: Self.known
        )
        var values = TemplateValues(["customer.attributes.name": "Ann <ann@example.com>", "case.id": "cas_1", "segment.response_target": "3 hours"])
        #expect(template.render(values) == "Hi Ann <ann@example.com> & co, case cas_1 waits for someone; we answer within 3 hours.")
        values["case.owner"] = "maria"
        #expect(template.render(values) == "Hi Ann <ann@example.com> & co, case cas_1 is with maria; we answer within 3 hours.")
        #expect(template.variables == ["customer.attributes.name", "case.id", "case.owner", "segment.response_target"])
        #expect(template.uses("case") && template.uses("segment") && !template.uses("survey"))
    }

    @Test func anEmptyValueHidesItsSection() throws {
        let template = try MessageTemplate("a{{#case.owner}}-{{case.owner}}{{/case.owner}}b", known: Self.known)
        #expect(template.render(TemplateValues(["case.owner": ""])) == "ab")
        #expect(template.render(TemplateValues()) == "ab")
    }

    @Test func refusesWhatCouldNotRenderWithWhere() {
        let cases: [(String, String)] = [
            (
                "Hi {{customer.name}}",
                "line 1, column 4: unknown variable 'customer.name' (known: customer.attributes.name, customer.email, customer.id, customer.phone, customer.preferred_channel)"
            ),
            (
                "line one\n  {{ticket}}",
                "line 2, column 3: unknown variable 'ticket' (variables are grouped under case, channel, customer, segment, survey, written in full such as {{customer.id}})"
            ),
            ("{{#case.owner}}x", "line 1, column 17: a section is opened ({{#…}} or {{^…}}) and never closed ({{/…}})"),
            ("{{> footer}}", "line 1, column 1: partials and blocks ({{>…}}) are not supported in message templates"),
            ("{{=<% %>=}}", "line 1, column 1: changing the delimiters ({{=…=}}) is not supported in message templates"),
            ("Hi {{case.id", "line 1, column 4: a tag is not closed with }}"),
            ("{{#case.id}}{{/case.owner}}", "line 1, column 16: a section is closed with another name than it was opened with"),
        ]
        for (text, expected) in cases {
            #expect(throws: MessageTemplate.Problem.self, "\(text)") { try MessageTemplate(text, known: Self.known) }
            do {
                _ = try MessageTemplate(text, known: Self.known)
            } catch {
                #expect(error.description == expected, "\(text)")
            }
        }
    }

    @Test func spokenDurationsReadAsACustomerWouldSayThem() {
        let cases: [(Duration, String)] = [
            (.seconds(10_800), "3 hours"), (.seconds(86_400 + 4 * 3600), "1 day 4 hours"), (.seconds(90), "1 minute 30 seconds"),
            (.seconds(1), "1 second"),
        ]
        for (duration, expected) in cases {
            let values = TemplateValues.message(
                customer: nil,
                customerId: "cus_1",
                case: nil,
                segment: Segment(name: "gold", condition: nil, preferredChannel: nil, responseTarget: duration),
                survey: nil,
                channel: "sms"
            )
            #expect(values["segment.response_target"] == expected)
        }
    }
}
