import StageRuntime

/// Where the message sources are described: read by ingest and mesctl.
public enum SourceSettings {
    public static let directory = Setting<String>.text(
        "MES_SOURCES_DIR", flag: "sources-dir", default: nil, defaultText: "none: the original envelope on MQTT_TOPIC",
        help: "Directory of the message source descriptions (*.yaml): topics, and where each message's machine, time and program are; "
            + "SIGHUP reads them again"
    )

    public static let all = [directory.description]
}
