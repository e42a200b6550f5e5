/// The ZeroMQ links between the stages: the endpoints each stage connects to or binds, and how
/// the links are protected. docs/configuration.md explains who binds and who connects.
public enum LinkSettings {
    public static let router = Setting<[String]>.endpoints(
        "MES_ROUTER_ENDPOINT", flag: "router-endpoint", defaultText: "ipc://RUNTIME_DIR/router.ipc",
        help: "Where ingest and the MTConnect source send messages"
    )
    public static let routerListen = Setting<[String]>.endpoints(
        "MES_ROUTER_LISTEN", flag: "listen", defaultText: "MES_ROUTER_ENDPOINT", help: "What the router binds for ingest, e.g. tcp://0.0.0.0:5560"
    )
    public static let sink = Setting<[String]>.endpoints(
        "MES_SINK_ENDPOINT", flag: "sink-endpoint", defaultText: "ipc://RUNTIME_DIR/sink.ipc", help: "Where every stage sends rows and rejections"
    )
    public static let sinkListen = Setting<[String]>.endpoints(
        "MES_SINK_LISTEN", flag: "listen", defaultText: "MES_SINK_ENDPOINT", help: "What the sink binds"
    )
    public static let acknowledgements = Setting<[String]>.endpoints(
        "MES_ACK_ENDPOINT", flag: "ack-endpoint", defaultText: "ipc://RUNTIME_DIR/acks.ipc",
        help: "Where ingest and the MTConnect source hear the sinks' acknowledgements (every sink's)"
    )
    public static let acknowledgementsListen = Setting<[String]>.endpoints(
        "MES_ACK_LISTEN", flag: "ack-listen", defaultText: "MES_ACK_ENDPOINT",
        help: "What the sink binds to publish acknowledgements, e.g. tcp://0.0.0.0:5590"
    )

    public static let curveSecretKeyFile = Setting<String>.text(
        "MES_CURVE_SECRET_KEY_FILE", flag: nil, default: nil, defaultText: "unset: CURVE off",
        help: "This process's CURVE secret key; setting it turns CURVE on for every ZeroMQ socket of the process"
    )
    public static let curveRouterKeyFile = Setting<String>.text(
        "MES_CURVE_ROUTER_KEY_FILE", flag: nil, default: nil, help: "The router's public key, for ingest and the workers"
    )
    public static let curveSinkKeyFile = Setting<String>.text(
        "MES_CURVE_SINK_KEY_FILE", flag: nil, default: nil,
        help: "The sink's public key, for ingest (also for the acknowledgements), the router and the workers"
    )
    public static let curveClientsDirectory = Setting<String>.text(
        "MES_CURVE_CLIENTS_DIR", flag: nil, default: nil,
        help:
            "Directory of the public keys (*.key) of the clients allowed to connect to the router or the sink; read again at every "
            + "connection. Required when CURVE is on"
    )
    public static let allowInsecureTCP = Setting<Bool>.switchSetting(
        "MES_ALLOW_INSECURE_TCP", flag: nil, default: false, help: "1 allows cleartext tcp:// beyond loopback, with a warning per endpoint"
    )

    public static let endpoints = [router, routerListen, sink, sinkListen, acknowledgements, acknowledgementsListen].map(\.description)
    public static let security =
        [curveSecretKeyFile, curveRouterKeyFile, curveSinkKeyFile, curveClientsDirectory].map(\.description) + [allowInsecureTCP.description]
}
