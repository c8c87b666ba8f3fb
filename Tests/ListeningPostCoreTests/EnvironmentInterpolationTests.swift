import Testing

@testable import ListeningPostCore

@Suite struct EnvironmentInterpolationTests {
    let interpolation = EnvironmentInterpolation(environment: ["HOST": "db.local", "EMPTY": "", "PORT": "5432"])

    @Test(arguments: [
        ("plain", "plain"),
        ("${HOST}", "db.local"),
        ("${HOST}:${PORT}", "db.local:5432"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${MISSING:-}", ""),
        ("cost $$5", "cost $5"),
        ("a $ sign", "a $ sign"),
        ("${HOST:-ignored}", "db.local"),
    ])
    func resolves(_ input: String, _ expected: String) throws {
        #expect(try interpolation.interpolate(input).get() == expected)
    }

    @Test(arguments: [
        ("${MISSING}", "environment variable MISSING is not set (write ${MISSING:-default} to give a default)"),
        ("${HOST", "unterminated ${ in '${HOST'; write $$ for a literal $"),
        ("${bad name}", "'${bad name}' is not a variable reference; names are letters, digits and _"),
    ])
    func failsClearly(_ input: String, _ message: String) {
        switch interpolation.interpolate(input) {
        case .success(let value): Issue.record("expected an error, got \(value)")
        case .failure(let failure): #expect(failure.text == message)
        }
    }
}
