/// The ZeroMQ links between the stages: the endpoints each stage connects to or binds, and how
/// the links are protected. docs/configuration.md explains who binds and who connects.
public enum LinkSettings {
    /// `MES_ROUTER_ENDPOINT` (`--router-endpoint`): where ingest and the MTConnect source send; default
    /// `ipc://RUNTIME_DIR/router.ipc`.
    public static let router = Setting<[String]>.endpoints(
        "MES_ROUTER_ENDPOINT", flag: "router-endpoint", defaultText: "ipc://RUNTIME_DIR/router.ipc",
        help: "Where ingest and the MTConnect source send messages"
    )
    /// `MES_ROUTER_LISTEN` (the router's `--listen`): what the router binds for its input; defaults to
    /// the endpoints of `MES_ROUTER_ENDPOINT`.
    public static let routerListen = Setting<[String]>.endpoints(
        "MES_ROUTER_LISTEN", flag: "listen", defaultText: "MES_ROUTER_ENDPOINT", help: "What the router binds for ingest, e.g. tcp://0.0.0.0:5560"
    )
    /// `MES_SINK_ENDPOINT` (`--sink-endpoint`): where every stage sends rows and rejections; default
    /// `ipc://RUNTIME_DIR/sink.ipc`.
    public static let sink = Setting<[String]>.endpoints(
        "MES_SINK_ENDPOINT", flag: "sink-endpoint", defaultText: "ipc://RUNTIME_DIR/sink.ipc", help: "Where every stage sends rows and rejections"
    )
    /// `MES_SINK_LISTEN` (the sink's `--listen`): what the sink binds; defaults to the endpoints of
    /// `MES_SINK_ENDPOINT`.
    public static let sinkListen = Setting<[String]>.endpoints(
        "MES_SINK_LISTEN", flag: "listen", defaultText: "MES_SINK_ENDPOINT", help: "What the sink binds"
    )
    /// `MES_ACK_ENDPOINT` (`--ack-endpoint`): where ingest and the MTConnect source hear every sink's
    /// acknowledgements; default `ipc://RUNTIME_DIR/acks.ipc`.
    public static let acknowledgements = Setting<[String]>.endpoints(
        "MES_ACK_ENDPOINT", flag: "ack-endpoint", defaultText: "ipc://RUNTIME_DIR/acks.ipc",
        help: "Where ingest and the MTConnect source hear the sinks' acknowledgements (every sink's)"
    )
    /// `MES_ACK_LISTEN` (`--ack-listen`): what the sink binds to publish acknowledgements; defaults to
    /// the endpoints of `MES_ACK_ENDPOINT`.
    public static let acknowledgementsListen = Setting<[String]>.endpoints(
        "MES_ACK_LISTEN", flag: "ack-listen", defaultText: "MES_ACK_ENDPOINT",
        help: "What the sink binds to publish acknowledgements, e.g. tcp://0.0.0.0:5590"
    )

    /// `MES_CURVE_SECRET_KEY_FILE`, environment only: this process's secret key file. Set, it turns CURVE on
    /// for every ZeroMQ socket of the process; unset (the default), CURVE is off.
    public static let curveSecretKeyFile = Setting<String>.text(
        "MES_CURVE_SECRET_KEY_FILE", flag: nil, default: nil, defaultText: "unset: CURVE off",
        help: "This process's CURVE secret key; setting it turns CURVE on for every ZeroMQ socket of the process"
    )
    /// `MES_CURVE_ROUTER_KEY_FILE`, environment only: the router's public key file, which a stage needs
    /// with CURVE on to connect to the router.
    public static let curveRouterKeyFile = Setting<String>.text(
        "MES_CURVE_ROUTER_KEY_FILE", flag: nil, default: nil, help: "The router's public key, for ingest and the workers"
    )
    /// `MES_CURVE_SINK_KEY_FILE`, environment only: the sink's public key file, which a stage needs with
    /// CURVE on to connect to the sink or its acknowledgements.
    public static let curveSinkKeyFile = Setting<String>.text(
        "MES_CURVE_SINK_KEY_FILE", flag: nil, default: nil,
        help: "The sink's public key, for ingest (also for the acknowledgements), the router and the workers"
    )
    /// `MES_CURVE_CLIENTS_DIR`, environment only: the directory of the `*.key` files of the clients a
    /// binding stage lets in, read again at every connection; a stage that binds needs it with CURVE on.
    public static let curveClientsDirectory = Setting<String>.text(
        "MES_CURVE_CLIENTS_DIR", flag: nil, default: nil,
        help:
            "Directory of the public keys (*.key) of the clients allowed to connect to the router or the sink; read again at every "
            + "connection. Required when CURVE is on"
    )
    /// `MES_ALLOW_INSECURE_TCP`, environment only: `1` allows cleartext `tcp://` beyond loopback (see
    /// `LinkSecurity`), with a warning per endpoint; default `0`.
    public static let allowInsecureTCP = Setting<Bool>.switchSetting(
        "MES_ALLOW_INSECURE_TCP", flag: nil, default: false, help: "1 allows cleartext tcp:// beyond loopback, with a warning per endpoint"
    )

    /// The six endpoint settings' descriptions, for `mesctl` and the documentation's tables.
    public static let endpoints = [router, routerListen, sink, sinkListen, acknowledgements, acknowledgementsListen].map(\.description)
    /// The CURVE and cleartext-`tcp://` settings' descriptions, for `mesctl` and the documentation's tables.
    public static let security =
        [curveSecretKeyFile, curveRouterKeyFile, curveSinkKeyFile, curveClientsDirectory].map(\.description) + [allowInsecureTCP.description]
}
