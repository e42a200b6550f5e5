import MessageSources
import StageRuntime

/// The MTConnect source's own settings. It also reads the sources directory (`SourceSettings`),
/// `MES_STATE_DIR`, and the router, sink and acknowledgement endpoints of `LinkSettings`.
public enum MTConnectSourceSettings {
    /// `MES_MTCONNECT_POSITIONS_DIR`: where the source keeps, per agent, the position up to which the sink has stored its
    /// observations; no default value here, the source derives `MES_STATE_DIR/mtconnect`.
    public static let positionsDirectory = Setting<String>.text(
        "MES_MTCONNECT_POSITIONS_DIR", flag: "positions-dir", default: nil, defaultText: "MES_STATE_DIR/mtconnect",
        help: "Where the source keeps, per agent, the position up to which the sink has stored its observations (persistent storage)"
    )
    /// `MES_MTCONNECT_REDELIVER_AFTER_MS`: how long observations wait for the sink's acknowledgement before they are fetched
    /// and sent again, in ms; 1,000 to 3,600,000, default 30,000.
    public static let redeliverAfterMilliseconds = Setting<Int>.integer(
        "MES_MTCONNECT_REDELIVER_AFTER_MS", flag: "redeliver-after-ms", default: 30_000, range: 1_000...3_600_000,
        help: "Observations the sink has not acknowledged by then are fetched from the agent and sent again; the sink stores them once"
    )
    /// `MES_MTCONNECT_MAX_DOCUMENT_BYTES`: the largest answer read from an agent, in bytes; 4,096 to 1 GiB, default 16 MiB.
    public static let maxDocumentBytes = Setting<Int>.integer(
        "MES_MTCONNECT_MAX_DOCUMENT_BYTES", flag: "max-document-bytes", default: 16 << 20, range: 4_096...(1 << 30),
        help: "The largest answer read from an agent; a larger one is refused, and the sample asked again smaller"
    )

    /// `MES_MTCONNECT_SOURCES`: the comma-separated names of the sources this process follows; unset: every source with
    /// the key `mtconnect`.
    public static let sources = Setting<String>.text(
        "MES_MTCONNECT_SOURCES", flag: "sources", default: nil, defaultText: "every source with the key mtconnect",
        help: "The names of the sources this process follows, comma-separated: processes that share the agents between them scale out"
    )

    /// The MTConnect source's own settings, for its table in docs/configuration.md.
    public static let all = [
        positionsDirectory.description, redeliverAfterMilliseconds.description, maxDocumentBytes.description, sources.description,
    ]

    /// Every setting the MTConnect source reads, its own and the shared ones, as documented.
    public static let read =
        all + SourceSettings.all + [StageSettings.stateDirectory.description]
        + [LinkSettings.router, LinkSettings.sink, LinkSettings.acknowledgements].map(\.description)
}
