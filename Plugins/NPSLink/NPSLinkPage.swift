import HTTPTypes
import ListeningPostKit

/// The small HTML pages a customer sees after clicking: a person reads them, not a
/// program, so problems are sentences rather than problem JSON.
enum NPSLinkPage {
    static func thanks(_ sentence: String, alreadyAnswered: Bool) -> InboundHTTPResponse {
        page(.ok, title: "Thank you", text: alreadyAnswered ? "We already have your answer. \(sentence)" : sentence)
    }

    static func problem(_ problem: HTTPProblem) -> InboundHTTPResponse {
        let (title, text) =
            switch problem.status {
            case 401: ("Link not valid", "This link is not valid. Please use the link in your email as it is.")
            case 410: ("Survey closed", "This survey has closed. Thank you for taking a look.")
            case 503: ("Please try again", "Your answer could not be saved just now. Please click the link again in a minute.")
            default: ("Link incomplete", "This link is incomplete. Please use the link in your email as it is.")
            }
        return page(HTTPResponse.Status(code: problem.status), title: title, text: text)
    }

    private static func page(_ status: HTTPResponse.Status, title: String, text: String) -> InboundHTTPResponse {
        let html =
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>\(escape(title))</title><p>\(escape(text))</p></html>"
        var fields = HTTPFields()
        fields[.contentType] = "text/html; charset=utf-8"
        fields[.cacheControl] = "no-store"
        return InboundHTTPResponse(status: status, headerFields: fields, body: Array(html.utf8))
    }

    private static func escape(_ text: String) -> String {
        text.replacing("&", with: "&amp;").replacing("<", with: "&lt;").replacing(">", with: "&gt;")
    }
}
