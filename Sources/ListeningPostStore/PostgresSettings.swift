import Foundation

/// `store.postgres`: where the shared log lives, and how to reach it.
public struct PostgresSettings: Sendable, Equatable {
    /// How the connection is encrypted (`sslmode`, as libpq names it).
    public enum TLSMode: String, Sendable, Equatable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, else plain.
        case prefer
        /// TLS, with the server's certificate verified; refuse otherwise.
        case require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// Most connections this gateway opens.
    public var poolSize: Int
    /// How long a lease on an exclusive source lasts unrenewed: a crashed gateway's
    /// mailboxes, push subscribers and timers move to another after about this long.
    public var leaseTTL: Duration = .seconds(10)

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String, tls: TLSMode = .prefer, poolSize: Int = 10) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tls = tls
        self.poolSize = poolSize
    }

    /// Reads a `postgres://user[:password]@host[:port]/database[?sslmode=…]` URL. Returns
    /// why it cannot, as a sentence for `check`.
    public static func parse(url text: String) -> Result<PostgresSettings, URLProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme) else {
            return .failure(URLProblem(description: "expected postgres://user:password@host:port/database"))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(URLProblem(description: "the URL names no host")) }
        guard let user = components.user, !user.isEmpty else {
            return .failure(URLProblem(description: "the URL names no user (postgres://USER@host/database)"))
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(URLProblem(description: "the URL names no database (postgres://user@host/DATABASE)"))
        }
        var settings = PostgresSettings(host: host, port: components.port ?? 5432, username: user, password: components.password, database: database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    return .failure(URLProblem(description: "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                settings.tls = mode
            default:
                return .failure(URLProblem(description: "unknown URL parameter \(item.name); only sslmode is read (pool size is `pool_size`)"))
            }
        }
        return .success(settings)
    }

    /// The URL without its password, for logs and `/readyz`.
    public var redactedURL: String { "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }

    /// Why a URL was refused.
    public struct URLProblem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }
}
