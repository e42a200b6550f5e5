import Logging
import Prometheus
import ServiceLifecycle

/// Serves `GET /metrics` (Prometheus text), `/healthz` (the stage loop runs) and `/readyz` (it
/// is connected to what it needs) over HTTP/1.1, one connection at a time, on a thread of its
/// own: the answers are small and the clients a scraper and a health check.
public struct MetricsServer: Service, CustomStringConvertible {
    /// The service's name in service-group logs.
    public var description: String { "metrics" }

    /// The largest request head read; a longer one is answered 431.
    public static let requestLimit = 8_192

    private let listener: Listener
    private let registry: PrometheusCollectorRegistry
    private let health: StageHealth
    private let logger: Logger

    /// Binds at once, so that a taken port stops the process before its stage starts.
    public init(listen: ListenAddress, registry: PrometheusCollectorRegistry, health: StageHealth = .process, logger: Logger) throws {
        self.listener = Listener(socket: try HTTPListener(listen))
        self.registry = registry
        self.health = health
        self.logger = logger
        logger.info("serving metrics", metadata: ["listen": "\(ListenAddress(host: listen.host, port: port))"])
    }

    /// The bound port.
    public var port: Int { listener.socket.port }

    /// Answers requests on a thread of its own until graceful shutdown or cancellation, checking for
    /// a stop every 100 ms between connections.
    public func run() async throws {
        let listener = listener, registry = registry, health = health
        try await BlockingThread.run(name: "metrics", health: nil) { stop in
            while !stop.isRequested {
                guard let connection = listener.socket.waitForConnection(timeoutMilliseconds: 100) else { continue }
                let head = connection.read { HTTPRequestHead.parse($0, limit: Self.requestLimit) }
                guard let head else { continue }
                connection.write(Self.response(to: head, registry: registry, health: health).encoded())
                connection.finish()
            }
        }
    }

    /// The answer to a parsed request.
    public static func response(to head: Result<HTTPRequestHead, HTTPRequestHead.Problem>, registry: PrometheusCollectorRegistry, health: StageHealth)
        -> HTTPResponse
    {
        let request: HTTPRequestHead
        switch head {
        case .failure(.malformed): return HTTPResponse(status: 400, body: "bad request\n")
        case .failure(.tooLarge): return HTTPResponse(status: 431, body: "request head larger than \(requestLimit) bytes\n")
        case .success(let parsed): request = parsed
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return HTTPResponse(status: 405, body: "only GET and HEAD\n", headOnly: false)
        }
        let headOnly = request.method == "HEAD"
        switch request.path {
        case "/metrics":
            return HTTPResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer(), headOnly: headOnly)
        case "/healthz":
            return health.isAlive
                ? HTTPResponse(status: 200, body: "alive\n", headOnly: headOnly)
                : HTTPResponse(status: 503, body: "stage loop not running\n", headOnly: headOnly)
        case "/readyz":
            return health.isReady
                ? HTTPResponse(status: 200, body: "ready\n", headOnly: headOnly)
                : HTTPResponse(status: 503, body: "not ready: not connected to what the stage needs\n", headOnly: headOnly)
        default:
            return HTTPResponse(status: 404, body: "not found; try /metrics, /healthz or /readyz\n", headOnly: headOnly)
        }
    }

    /// The bound socket, handed to the server's thread. Only the server's thread uses the socket once `init` has bound it.
    private final class Listener: @unchecked Sendable {
        let socket: HTTPListener
        init(socket: HTTPListener) { self.socket = socket }
    }
}
