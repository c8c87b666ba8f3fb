import Hummingbird
import ListeningPostCore
import ListeningPostKit

/// Bearer-token checks for the operator API: no token or an unknown one is 401 (a
/// subscriber's token included: reading streams grants nothing here), a token without the
/// endpoint's scope is 403. Compared in constant time against every operator.
struct OperatorAuthenticator: Sendable {
    let operators: [OperatorDeclaration]

    func authorize(_ request: Request, scope: OperatorDeclaration.Scope) throws(HTTPProblem) -> OperatorDeclaration {
        try authorize(request, anyOf: [scope])
    }

    /// Passes when the token has any of `scopes` (a wider scope implies a narrower one).
    func authorize(_ request: Request, anyOf scopes: [OperatorDeclaration.Scope]) throws(HTTPProblem) -> OperatorDeclaration {
        let token = try SubscriberAuthenticator.bearerToken(request, configuredUnder: "operators")
        var match: OperatorDeclaration?
        for candidate in operators where ConstantTime.equals(candidate.token.value, token) {
            match = candidate
        }
        guard let match else {
            throw SubscriberAuthenticator.unauthorized("the token is not one of this gateway's operator tokens (see `operators:`)")
        }
        guard scopes.contains(where: match.scopes.contains) else {
            let names = scopes.map { "'\($0.rawValue)'" }.joined(separator: " or ")
            throw HTTPProblem(status: 403, slug: "forbidden-scope", title: "Forbidden", detail: "operator '\(match.name)' lacks the scope \(names)")
        }
        return match
    }
}
