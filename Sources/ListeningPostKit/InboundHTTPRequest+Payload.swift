extension InboundHTTPRequest {
    /// The body as a JSON object, or a form body as a flat object of strings (a repeated
    /// name becomes an array). Throws the exact problem to answer: 400 for an empty,
    /// non-UTF-8 or malformed body, or a JSON body that is not an object; 415 for any other
    /// media type.
    public func payloadObject() throws(HTTPProblem) -> JSONValue {
        guard !body.isEmpty else { throw .malformed("the body is empty") }
        let mediaType = self.mediaType ?? ""
        let isJSON = mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
        let isForm = mediaType == "application/x-www-form-urlencoded"
        guard isJSON || isForm else {
            throw .unsupportedMediaType(
                "Content-Type must be application/json or application/x-www-form-urlencoded, got '\(mediaType.isEmpty ? "none" : mediaType)'"
            )
        }
        if isForm {
            var members: [String: JSONValue] = [:]
            for (name, value) in try formFields(body) {
                switch members[name] {
                case nil: members[name] = .string(value)
                case .array(let values)?: members[name] = .array(values + [.string(value)])
                case let first?: members[name] = .array([first, .string(value)])
                }
            }
            return .object(members)
        }
        let payload: JSONValue
        do {
            payload = try JSONValue.parse(body)
        } catch {
            // The JSON reader checks the UTF-8 of every string as it goes; the whole body is
            // checked only here, to name the real problem.
            try requireUTF8(body)
            throw .malformed("the body is not valid JSON: \(error.reason)")
        }
        guard case .object = payload else { throw .malformed("the JSON body must be an object, found \(payload.kindDescription)") }
        return payload
    }

    /// Name–value pairs of a form body (`application/x-www-form-urlencoded`), in order.
    public func formBodyFields() throws(HTTPProblem) -> [(name: String, value: String)] {
        try formFields(body)
    }

    /// Name–value pairs of the query string, in order.
    public func queryFields() throws(HTTPProblem) -> [(name: String, value: String)] {
        do {
            return try FormURLEncoded.parse(rawQuery)
        } catch {
            throw .malformed("the query string cannot be read: \(error)")
        }
    }

    private func formFields(_ bytes: [UInt8]) throws(HTTPProblem) -> [(name: String, value: String)] {
        try requireUTF8(bytes)
        do {
            return try FormURLEncoded.parse(bytes: bytes)
        } catch {
            throw .malformed("the form body cannot be read: \(error)")
        }
    }

    private func requireUTF8(_ bytes: [UInt8]) throws(HTTPProblem) {
        guard String(validating: bytes, as: UTF8.self) != nil else { throw .malformed("the body is not valid UTF-8") }
    }
}
