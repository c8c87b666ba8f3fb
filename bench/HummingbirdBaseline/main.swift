// The reference the ingest target is set against: a bare Hummingbird 2 handler that
// reads the request body and answers 204, with nothing else. bench/ingest.sh runs it
// beside nginx and the gateway, so "as fast as a bare Hummingbird handler" is measured
// on the same machine in the same run rather than quoted.
import Hummingbird

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 18183
let router = Router()
router.post("/{path}/{rest}") { request, _ -> HTTPResponse.Status in
    _ = try await request.body.collect(upTo: 1 << 20)
    return .noContent
}
// bench/outbox.sh's sink: answers as Twilio's Messages API does, 201 with a sid.
router.post("/2010-04-01/Accounts/{account}/Messages.json") { request, _ -> Response in
    _ = try await request.body.collect(upTo: 1 << 20)
    return Response(
        status: .created,
        headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"sid":"SM00000000000000000000000000000000","status":"queued"}"#))
    )
}
// bench/nps.sh's reference for a GET.
router.get("/") { _, _ -> HTTPResponse.Status in .noContent }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
