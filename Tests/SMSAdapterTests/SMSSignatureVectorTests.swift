import Testing

@testable import SMSAdapter

/// The providers' published test vectors (PROTOCOLS.md), so our side of each scheme is
/// pinned to theirs and not only to itself.
struct SMSSignatureVectorTests {
    static let twilioURL = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let twilioParameters: [(name: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Digits", "1234"), ("From", "+14158675309"), ("To", "+18005551212"), ("Caller", "+14158675309"),
    ]

    @Test func twilioOfficialVector() {
        #expect(TwilioSignature.sign(url: Self.twilioURL, parameters: Self.twilioParameters, authToken: "12345") == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    }

    @Test func twilioRepeatedParameterVector() {
        let parameters: [(name: String, value: String)] = [
            ("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234"),
        ]
        #expect(TwilioSignature.sign(url: Self.twilioURL, parameters: parameters, authToken: "12345") == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
    }

    @Test func twilioPortVector() {
        let url = "http://mycompany.com:1234/myapp.php?foo=1&bar=2"
        #expect(TwilioSignature.sign(url: url, parameters: Self.twilioParameters, authToken: "12345") == "Zmvh+3yNM1Phv2jhDCwEM3q5ebU=")
        // Signed with the port, configured without it: accepted, as Twilio's validator does.
        #expect(
            TwilioSignature.isValid(
                signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                url: "https://mycompany.com:443/myapp.php?foo=1&bar=2",
                parameters: Self.twilioParameters,
                authTokens: ["12345"]
            )
        )
        #expect(
            !TwilioSignature.isValid(
                signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
                url: "https://mycompany.com/myapp.php?foo=1&bar=3",
                parameters: Self.twilioParameters,
                authTokens: ["12345"]
            )
        )
    }

    @Test func twilioURLVariants() {
        #expect(TwilioSignature.urlVariants("https://a.example/x?y=1") == ["https://a.example/x?y=1", "https://a.example:443/x?y=1"])
        #expect(TwilioSignature.urlVariants("http://a.example:8080/x") == ["http://a.example:8080/x", "http://a.example/x"])
        #expect(TwilioSignature.urlVariants("https://[::1]/x") == ["https://[::1]/x", "https://[::1]:443/x"])
    }

    static let vonageV3: [(VonageSignature.Method, String)] = [
        (.md5Hash, "6af838ef94998832dbfc29020b564830"),
        (.hmacMD5, "c15c21ced558c93a226c305f58f902f2"),
        (.hmacSHA1, "3e19a4e6880fdc2c1426bfd0587c98b9532f0210"),
        (.hmacSHA256, "a321e824b9b816be7c3f28859a31749a098713d39f613c80d455bbaffae1cd24"),
        (
            .hmacSHA512,
            "812a18f76680fa0fe1b8bd9ee1625466ceb1bd96242e4d050d2cfd9a7b40166c63ed26ec9702168781b6edcf1633db8ff95af9341701004eec3fcf9550572ee8"
        ),
    ]

    @Test(arguments: vonageV3)
    func vonageV3Vectors(_ method: VonageSignature.Method, _ expected: String) {
        let parameters = ["a": "1", "b": "2", "timestamp": "1461605396"]
        #expect(VonageSignature(method: method).sign(parameters, secret: "secret") == expected)
        // Upper-case hex (as the .NET SDK sends) is accepted; a changed value is not.
        #expect(VonageSignature(method: method).isValid(parameters.merging(["sig": expected.uppercased()]) { $1 }, secrets: ["secret"]))
        #expect(!VonageSignature(method: method).isValid(parameters.merging(["sig": expected, "a": "2"]) { $1 }, secrets: ["secret"]))
    }

    @Test func vonageV4Vectors() {
        let parameters = ["param1": "value1", "param2": "value2", "timestamp": "1234567890"]
        #expect(
            VonageSignature(method: .hmacSHA256).sign(parameters, secret: "signature_secret")
                == "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
        )
        #expect(VonageSignature(method: .hmacMD5).sign(parameters, secret: "signature_secret") == "724c2bf6ca423c36e20631b11d1c5753")
        let escaped = ["param1": "value&1", "param2": "value=2", "timestamp": "1234567890"]
        #expect(VonageSignature(method: .hmacMD5).sign(escaped, secret: "signature_secret") == "2bbf0abafb2c55e5af6231513896a2ac")
    }
}
