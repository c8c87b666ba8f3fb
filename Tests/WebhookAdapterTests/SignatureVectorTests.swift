import Foundation
import ListeningPostKit
import Testing

/// The providers' published test vectors (../shared/PROTOCOLS.md), so a scheme implemented
/// wrongly on both sides cannot pass.
@Suite struct SignatureVectorTests {
    @Test func standardWebhooksOfficialVector() throws {
        let signer = try StandardWebhooks(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(
            signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        )
        try signer.verify(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: "1614265330",
            signatureHeader: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            body: body,
            now: Date(timeIntervalSince1970: 1_614_265_330)
        )
    }

    @Test func standardWebhooksRejectsTimestampsOutsideTolerance() throws {
        let signer = try StandardWebhooks(secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let body = Array(#"{"test": 2432232314}"#.utf8)
        for skew in [-301.0, 301.0] {
            #expect(throws: StandardWebhooks.VerificationError.self) {
                try signer.verify(
                    id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                    timestamp: "1614265330",
                    signatureHeader: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                    body: body,
                    now: Date(timeIntervalSince1970: 1_614_265_330 + skew)
                )
            }
        }
    }

    @Test func standardWebhooksAcceptsAnyMatchingSignatureAndEitherSecretDuringRotation() throws {
        let newSecret = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let verifier = try StandardWebhooks(secrets: [newSecret, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        let body = Array(#"{"test": 2432232314}"#.utf8)
        try verifier.verify(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: "1614265330",
            signatureHeader: "v1,AAAA v1a,ignored v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            body: body,
            now: Date(timeIntervalSince1970: 1_614_265_330)
        )
    }

    @Test func githubOfficialVector() {
        #expect(
            HMACSignature.sha256Hex(secret: "It's a Secret to Everybody", body: Array("Hello, World!".utf8))
                == "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        )
        #expect(
            HMACSignature.verifyPrefixedSHA256(
                header: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                secrets: ["It's a Secret to Everybody"],
                body: Array("Hello, World!".utf8)
            )
        )
        #expect(
            !HMACSignature.verifyPrefixedSHA256(
                header: "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18",
                secrets: ["It's a Secret to Everybody"],
                body: Array("Hello, World!".utf8)
            )
        )
    }

    @Test func discourseOfficialVectorUsesTheSameScheme() {
        #expect(
            HMACSignature.sha256Hex(secret: "my_lovely_secret_for_web_hook", body: Array(#"{"ping":"OK"}"#.utf8))
                == "162f107f6b5022353274eb1a7197885cfd35744d8d08e5bcea025d309386b7d6"
        )
    }

    @Test func constantTimeEqualityHandlesLengthDifferences() {
        #expect(ConstantTime.equals("secret", "secret"))
        #expect(!ConstantTime.equals("secret", "secret2"))
        #expect(!ConstantTime.equals("", "x"))
        #expect(ConstantTime.equals("", ""))
    }
}
