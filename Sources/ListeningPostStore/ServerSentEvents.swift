/// Server-Sent Events framing (WHATWG HTML §9.2), both ways, without I/O.
public enum ServerSentEvents {
    /// One event frame: `id:`, `event:`, and one `data:` line per line of `data`.
    public static func frame(id: String?, event: String?, data: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(data.count + 64)
        if let id {
            frame += Array("id: \(id)\n".utf8)
        }
        if let event {
            frame += Array("event: \(event)\n".utf8)
        }
        var lineStart = data.startIndex
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            frame += Array("data: ".utf8)
            frame += data[lineStart..<index]
            frame.append(UInt8(ascii: "\n"))
            lineStart = index + 1
        }
        frame += Array("data: ".utf8)
        frame += data[lineStart...]
        frame += Array("\n\n".utf8)
        return frame
    }

    /// A comment line, ignored by clients; keeps idle connections open through proxies.
    public static func comment(_ text: String) -> [UInt8] {
        Array(": \(text)\n\n".utf8)
    }

    /// A `retry:` field telling clients how long to wait before reconnecting.
    public static func retry(milliseconds: Int) -> [UInt8] {
        Array("retry: \(milliseconds)\n\n".utf8)
    }
}
