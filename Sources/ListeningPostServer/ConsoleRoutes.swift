import HTTPTypes
import Hummingbird
import NIOCore

/// The operator console at `/console`: one page and its script and style, embedded in the
/// binary (docs/console.md). It holds no data of its own and calls the same API any client
/// does, with the tokens the operator types in, kept in the tab's session storage.
struct ConsoleRoutes: Sendable {
    /// Only this origin's script and style run; no inline code, frames or plugins.
    static let securityHeaders: HTTPFields = [
        HTTPField.Name("Content-Security-Policy")!: "default-src 'self'; frame-ancestors 'none'; object-src 'none'; base-uri 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-cache",
    ]

    func register(on router: Router<some RequestContext>) {
        router.get("/console") { _, _ in Self.asset(ConsoleAssets.html, type: "text/html; charset=utf-8") }
        router.get("/console/app.js") { _, _ in Self.asset(ConsoleAssets.javascript, type: "text/javascript; charset=utf-8") }
        router.get("/console/app.css") { _, _ in Self.asset(ConsoleAssets.css, type: "text/css; charset=utf-8") }
        router.get("/console/icon.svg") { _, _ in Self.asset(ConsoleAssets.icon, type: "image/svg+xml") }
    }

    static func asset(_ text: String, type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
