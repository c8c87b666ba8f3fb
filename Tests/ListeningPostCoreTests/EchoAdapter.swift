import HTTPTypes
import ListeningPostKit
import ServiceLifecycle

/// A minimal push adapter for core tests: serves POST on `path`, stores the body as text.
struct EchoAdapter: ChannelAdapter {
    static let kind = "echo"
    static let summary = "Stores each POST body as a message."
    static let configSpec = ConfigSpec([
        .init("path", .string, required: true, doc: "Path."),
        .init("token", .string, secret: true, doc: "A secret."),
        .init("limit", .byteSize, default: "64KiB", doc: "Body limit."),
        .init("poll", .duration, default: "5s", doc: "A duration."),
        .init("enabled", .bool, default: "true", doc: "A flag."),
    ])

    let endpoints: [HTTPEndpoint]

    init(config: ConfigValues, context: AdapterContext) throws {
        let path = try config.requiredString("path")
        guard path.hasPrefix("/") else { throw config.invalid("path", "must start with /") }
        endpoints = [
            HTTPEndpoint(method: .post, path: path, maxBodySize: config.byteSize("limit") ?? 65536) { request in
                let text = String(decoding: request.body, as: UTF8.self)
                do {
                    return .accepted(try await context.sink.submit(InboundMessage(dedupKey: text, text: text)))
                } catch {
                    return .problem(.unavailable("\(error)"))
                }
            }
        ]
    }

    func run() async throws { try? await gracefulShutdown() }
}
