import Logging

extension AdapterContext {
    /// The answer to a push request the adapter refused: counted under
    /// `listening_post_rejected_total{reason}`, bad signatures logged (a few a minute at
    /// most, see ``LogThrottle``), the problem returned.
    public func reject(_ problem: HTTPProblem) -> InboundHTTPResponse {
        metrics.rejected(reason: problem.metricReason)
        if problem.status == 401 {
            rejectionLog.log(logger, .notice, "rejected a request with a bad signature", metadata: ["detail": "\(problem.detail)"])
        }
        return .problem(problem)
    }

    /// Stores one message and answers with `success` only after the commit; if the log
    /// cannot commit, answers 503 ("the `what` could not be stored") so the sender retries.
    public func store(_ message: InboundMessage, what: String, success: (IngestReceipt) -> InboundHTTPResponse) async -> InboundHTTPResponse {
        await store(what: what, { try await sink.submit(message) }, success: success)
    }

    /// The same for a commit the adapter makes itself (a message with its checkpoint, say):
    /// `success` after `commit` returns, 503 when it throws.
    public func store(
        what: String,
        _ commit: () async throws -> IngestReceipt,
        success: (IngestReceipt) -> InboundHTTPResponse
    ) async -> InboundHTTPResponse {
        do {
            return success(try await commit())
        } catch {
            storeFailureLog.log(logger, .error, "could not store a message; answered 503 so the sender retries", metadata: ["error": "\(error)"])
            return .problem(.unavailable("the \(what) could not be stored; retry later"))
        }
    }
}
