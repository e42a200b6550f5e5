import Foundation
import MessageSources
import Mosquitto
import StageRuntime

/// ingest's own settings. It also reads `BrokerSettings`, `SourceSettings`, the router, sink and
/// acknowledgement endpoints of `LinkSettings`, `StageSettings.maxJSONDepth` and `StageSettings.stateDirectory`.
public enum IngestSettings {
    /// `MQTT_QOS`: the subscription QoS of every source that names none; 0 to 2, default 1.
    public static let qos = Setting<Int>.integer(
        "MQTT_QOS", flag: "qos", default: 1, range: 0...2, help: "Subscription QoS, of every source that names none")
    /// `MQTT_CLIENT_ID`: the MQTT client id, which names the broker's persistent session; no default value here, ingest
    /// derives `cnc-ingest-HOSTNAME`.
    public static let clientID = Setting<String>.text(
        "MQTT_CLIENT_ID", flag: "client-id", default: nil, defaultText: "cnc-ingest-HOSTNAME",
        help: "Client id, the name of the persistent session: keep it stable"
    )
    /// `MQTT_PROTOCOL`: `3.1.1` (the default) or `5`.
    public static let mqttProtocol = Setting<MQTTClient.ProtocolVersion>(
        "MQTT_PROTOCOL", flag: "mqtt-protocol", default: .v311, defaultText: "3.1.1", allowed: "3.1.1 or 5", help: "MQTT protocol version",
        parse: MQTTClient.ProtocolVersion.init(rawValue:)
    )
    /// `MQTT_KEEPALIVE`: the MQTT keep-alive in seconds; 5 to 65,535, default 30.
    public static let keepalive = Setting<Int>.integer(
        "MQTT_KEEPALIVE", flag: "keepalive", default: 30, range: 5...65_535, unit: " seconds",
        help: "ingest gives up a broker that stays silent this long and reconnects; the broker gives ingest up after 1.5 times this"
    )
    /// `MQTT_SESSION_EXPIRY`: how long the broker keeps the session after a disconnect, in seconds (MQTT 5 only);
    /// 0 to `UInt32.max`, default 604,800 (7 days).
    public static let sessionExpiry = Setting<Int>.integer(
        "MQTT_SESSION_EXPIRY", flag: "session-expiry", default: 604_800, range: 0...Int(UInt32.max), unit: " seconds",
        help: "How long the broker keeps the session after a disconnect (MQTT 5 only; 3.1.1 sessions never expire)"
    )
    /// `MES_MAX_MESSAGE_BYTES`: the largest accepted message in bytes; default 65,536.
    public static let maxMessageBytes = Setting<Int>.integer(
        "MES_MAX_MESSAGE_BYTES", flag: "max-message-bytes", default: 65_536, range: 1...Int(Int32.max), help: "Largest accepted message in bytes"
    )
    /// `MES_JOURNAL_DIR`: this ingest's journal directory; no default value here, ingest derives
    /// `MES_STATE_DIR/journal/` and the `journalName(of:)` of its client id.
    public static let journalDirectory = Setting<String>.text(
        "MES_JOURNAL_DIR", flag: "journal-dir", default: nil, defaultText: "MES_STATE_DIR/journal/CLIENT_ID",
        help: "This ingest's journal, one directory per ingest on persistent storage (created mode 0700; a lock file refuses a second process)"
    )
    /// `MES_JOURNAL_SYNC_MS`: 0 (the default) forces each round to disk before its PUBACKs leave; N > 0 forces the journal
    /// every N ms instead, so a power cut may lose up to the last N ms of messages the broker counts as delivered.
    public static let journalSyncMilliseconds = Setting<Int>.integer(
        "MES_JOURNAL_SYNC_MS", flag: "journal-sync-ms", default: 0, range: 0...3_600_000,
        help:
            "0: each round of messages is forced to disk (one fdatasync) before the broker hears their PUBACK, so a power cut loses "
            + "none of them. N > 0: the journal is forced to disk every N ms after the PUBACKs left, which is faster, but a power cut "
            + "or kernel crash loses up to the last N ms of messages that the broker counts as delivered"
    )
    /// `MES_REDELIVER_AFTER_MS`: how long a handed-on message waits for the sink's acknowledgement before it is sent again
    /// from the journal, in ms; default 30,000, doubled at each resend up to 10 minutes.
    public static let redeliverAfterMilliseconds = Setting<Int>.integer(
        "MES_REDELIVER_AFTER_MS", flag: "redeliver-after-ms", default: 30_000, range: 1...Int(Int32.max),
        help: "A message the sink has not acknowledged by then is sent again from the journal, then after twice that, up to every 10 minutes"
    )
    /// `MES_SPARKPLUG_HOST_ID`: the host id of ingest's Sparkplug STATE topic; no default value here, ingest uses its client id.
    public static let sparkplugHostID = Setting<String>.text(
        "MES_SPARKPLUG_HOST_ID", flag: "sparkplug-host-id", default: nil, defaultText: "MQTT_CLIENT_ID",
        help: "This ingest's Sparkplug host id: its state is published, retained, on spBv1.0/STATE/<id> (only with a Sparkplug source)"
    )
    /// `MES_SPARKPLUG_REORDER_MS`: how long a Sparkplug message that arrived out of sequence waits for the missing ones,
    /// in ms; 0 to 600,000, default 2,000.
    public static let sparkplugReorderMilliseconds = Setting<Int>.integer(
        "MES_SPARKPLUG_REORDER_MS", flag: "sparkplug-reorder-ms", default: 2_000, range: 0...600_000,
        help:
            "How long a Sparkplug message that arrived out of sequence waits for the missing ones before the gap is recorded and a rebirth asked for"
    )
    /// `MES_SPARKPLUG_BIRTH_WAIT_MS`: how long Sparkplug DATA that no birth names yet is held for a rebirth, in ms;
    /// 0 to 600,000, default 10,000.
    public static let sparkplugBirthWaitMilliseconds = Setting<Int>.integer(
        "MES_SPARKPLUG_BIRTH_WAIT_MS", flag: "sparkplug-birth-wait-ms", default: 10_000, range: 0...600_000,
        help: "How long Sparkplug DATA that no birth names yet is held (journaled) for the rebirth asked for; then it is stored unnamed, marked"
    )

    /// ingest's own settings, for its table in docs/configuration.md.
    public static let all = [
        qos.description, clientID.description, mqttProtocol.description, keepalive.description, sessionExpiry.description,
        maxMessageBytes.description, journalDirectory.description, journalSyncMilliseconds.description,
        redeliverAfterMilliseconds.description, sparkplugHostID.description, sparkplugReorderMilliseconds.description,
        sparkplugBirthWaitMilliseconds.description,
    ]

    /// Every setting ingest reads, its own and the shared ones, as documented.
    public static let read =
        BrokerSettings.all + all + SourceSettings.all + [StageSettings.maxJSONDepth.description, StageSettings.stateDirectory.description]
        + [LinkSettings.router, LinkSettings.sink, LinkSettings.acknowledgements].map(\.description)

    /// The journal directory's name for a client id: the id without characters a path should not hold.
    package static func journalName(of clientID: String) -> String {
        clientID.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) }
    }
}
