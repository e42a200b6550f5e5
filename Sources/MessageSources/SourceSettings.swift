import StageRuntime

/// Where the message sources are described: read by ingest and mesctl.
public enum SourceSettings {
    /// `MES_SOURCES_DIR` (`--sources-dir`): the directory of the source descriptions; unset (the default), ingest serves the
    /// default source alone and the `mtconnect` stage follows no agent.
    public static let directory = Setting<String>.text(
        "MES_SOURCES_DIR", flag: "sources-dir", default: nil, defaultText: "none: the original envelope on MQTT_TOPIC",
        help: "Directory of the message source descriptions (*.yaml): topics, and where each message's machine, time and program are; "
            + "SIGHUP reads them again"
    )

    /// Every setting here, as the settings reference lists it.
    public static let all = [directory.description]
}
