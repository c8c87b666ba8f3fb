import Hummingbird
import ListeningPostKit

/// Every error the gateway answers with is an RFC 9457 problem, including the framework's
/// own (unknown path, body too large).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as HTTPProblem {
            return Response.problem(problem)
        } catch let error as HTTPError {
            let problem: HTTPProblem
            switch error.status {
            case .notFound:
                problem = HTTPProblem(
                    status: 404,
                    slug: "not-found",
                    title: "Not found",
                    detail: "nothing is served at \(request.method) \(request.uri.path)"
                )
            case .contentTooLarge:
                problem = HTTPProblem(
                    status: 413,
                    slug: "payload-too-large",
                    title: "Payload too large",
                    detail: error.body ?? "the body is too large"
                )
            default:
                problem = HTTPProblem(
                    status: error.status.code,
                    slug: "http-\(error.status.code)",
                    title: error.status.reasonPhrase,
                    detail: error.body ?? error.status.reasonPhrase
                )
            }
            return Response.problem(problem)
        }
    }
}

extension Response {
    /// A problem response.
    static func problem(_ problem: HTTPProblem) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if problem.type.hasSuffix("/unauthorized") { headers[.wwwAuthenticate] = "Bearer realm=\"listening-post\"" }
        return Response(status: .init(code: problem.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: problem.json())))
    }
}
