import Crypto
import HTTPTypes
import Hummingbird
import ListeningPostKit

extension Request {
    /// What makes a retried POST the same change: its `Idempotency-Key` header, else the
    /// hash of its body. `headerPrefix` keeps each endpoint's stored keys as they were.
    func idempotencyKey(body: [UInt8], headerPrefix: String = "key:") -> String {
        headers[HTTPField.Name("Idempotency-Key")!].map { headerPrefix + $0 } ?? "body:\(Hex.sha256(body))"
    }
}
