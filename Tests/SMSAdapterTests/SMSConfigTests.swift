import ListeningPostCore
import ListeningPostTesting
import SMSAdapter
import Testing

/// What `listening-post check` says about SMS channel configs.
struct SMSConfigTests {
    static let cases: [(yaml: String, expected: String)] = [
        (
            "provider: twilio\n    path: /t",
            "channels.yaml:4:15: channels[s].provider: channels[s].twilio.auth_token is required to verify requests; add it, or set insecure: true to accept unsigned requests"
        ),
        (
            "provider: twilio\n    path: /t\n    insecure: true\n    vonage:\n      concat_timeout: 1m",
            "channels.yaml:8:7: channels[s].vonage: only applies to provider: vonage, but this channel's provider is twilio"
        ),
        (
            "provider: vonage\n    path: /v\n    vonage:\n      signature_method: sha3",
            "channels.yaml:7:25: channels[s].vonage.signature_method: expected one of md5hash, md5, sha1, sha256, sha512, found 'sha3'"
        ),
        (
            "provider: generic\n    path: /g\n    default_country_code: \"+44\"\n    insecure: true",
            "channels.yaml:6:27: channels[s].default_country_code: '+44' is not a calling code; write 1 to 3 digits without +, such as 44 (or use default_region: GB)"
        ),
        (
            "provider: generic\n    path: /g\n    default_region: UK\n    insecure: true",
            "channels.yaml:6:21: channels[s].default_region: 'UK' is not a region libphonenumber knows; write an ISO 3166 code such as GB, IT or US"
        ),
        (
            "provider: twilio\n    path: /t\n    twilio:\n      auth_token: x\n      public_url: sms.example.com/t",
            "channels.yaml:8:19: channels[s].twilio.public_url: 'sms.example.com/t' must be an absolute http:// or https:// URL"
        ),
        ("provider: vonage\n    path: /v\n    insecure: true", "OK"),
    ]

    @Test(arguments: cases)
    func checkExplains(_ yaml: String, _ expected: String) {
        let config = "channels:\n  - id: s\n    type: sms\n    " + yaml + "\n"
        #expect(ConfigCheck.render(config, registry: AdapterRegistry([SMSAdapter.self])) == expected)
    }
}
