extension JSONValue {
    /// Compact JSON with sorted keys (by Unicode code point), `/` unescaped.
    public func compactJSON() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }
}
