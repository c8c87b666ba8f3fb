import HTTPTypes
import ListeningPostKit
import ListeningPostStore
import Logging

/// Instantiates every channel's adapter from a validated config and checks what only the
/// built adapters reveal: each adapter's own rules (thrown from `init`) and endpoint
/// collisions. `listening-post check` runs this too, with a sink that stores nothing, so it
/// catches exactly what `serve` would refuse.
public enum ChannelAssembly {
    /// An adapter ready to run.
    public struct Channel: Sendable {
        /// Its declaration.
        public var declaration: ChannelDeclaration
        /// The adapter.
        public var adapter: any ChannelAdapter
        /// Its context.
        public var context: AdapterContext
    }

    /// Paths the gateway serves itself.
    public static let reservedPathPrefixes = ["/v1/", "/healthz", "/readyz", "/metrics"]

    /// Builds every adapter; throws every problem at once.
    public static func instantiate(
        _ config: GatewayConfig,
        registry: AdapterRegistry,
        makeContext: (ChannelDeclaration) -> AdapterContext
    ) throws(ConfigErrors) -> [Channel] {
        var errors: [ConfigError] = []
        var channels: [Channel] = []
        var routes: [String: (channel: String, line: Int)] = [:]
        for declaration in config.channels {
            guard let adapterType = registry.adapter(kind: declaration.kind) else { continue }
            let context = makeContext(declaration)
            let adapter: any ChannelAdapter
            do {
                adapter = try adapterType.init(config: declaration.values, context: context)
            } catch let error as ConfigErrors {
                errors += error.errors
                continue
            } catch let error as ConfigError {
                errors.append(error)
                continue
            } catch {
                errors.append(ConfigError(path: "channels[\(declaration.id)]", position: declaration.position, message: "\(error)"))
                continue
            }
            for endpoint in adapter.endpoints {
                let position = declaration.values.position(of: "path") ?? declaration.position
                let path = "channels[\(declaration.id)].path"
                if reservedPathPrefixes.contains(where: { endpoint.path == $0 || endpoint.path.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) {
                    errors.append(
                        ConfigError(
                            path: path,
                            position: position,
                            message: "\(endpoint.path) is reserved by the gateway (\(reservedPathPrefixes.joined(separator: ", ")))"
                        )
                    )
                }
                let key = "\(endpoint.method.rawValue) \(endpoint.path)"
                if let other = routes[key] {
                    errors.append(
                        ConfigError(
                            path: path,
                            position: position,
                            message: "\(key) is already served by channel '\(other.channel)' (line \(other.line)); give each channel its own path"
                        )
                    )
                } else {
                    routes[key] = (declaration.id, declaration.position.line)
                }
            }
            channels.append(Channel(declaration: declaration, adapter: adapter, context: context))
        }
        if !errors.isEmpty { throw ConfigErrors(ConfigLoader.sorted(errors)) }
        return channels
    }
}

/// A sink that stores nothing, for checking a config without running it.
public struct InertSink: IngestSink {
    /// Creates the sink.
    public init() {}
    public func submit(_ messages: [InboundMessage], checkpoint: String?) async throws -> [IngestReceipt] {
        throw EventLogError(description: "this gateway is only checking its config")
    }
    public func lastCheckpoint() async throws -> String? { nil }
    public func storedEventIds(forDedupKeys dedupKeys: [String]) async throws -> [String: String] { [:] }
}
