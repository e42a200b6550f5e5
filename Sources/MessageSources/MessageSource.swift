import CollectorCore

/// Where messages come from and how they are read: a topic pattern to subscribe to, and the
/// layout that finds each message's machine, time, program, variables and tags. Described by a
/// file of the sources directory (docs/sources.md), or the default source: the original
/// envelope on `MQTT_TOPIC`.
public struct MessageSource: Sendable, Equatable {
    /// The source's name; one read from a description has letters, digits and `_`, a letter first, at most 64 bytes. The
    /// default source is `default`.
    public var name: String
    /// The file that describes it; empty for the default source.
    public var file: String
    /// The description's `description`: free text, empty where none is given.
    public var summary: String
    /// The pattern of the topics its messages arrive on, with the levels it names.
    public var topic: TopicPattern
    /// nil: `MQTT_QOS`.
    public var qos: Int32?
    /// Where each message's machine, time, program, variables and tags are.
    public var layout: MessageLayout
    /// Set for a Sparkplug B source: its messages are protobuf, read by ingest's Sparkplug host
    /// (docs/sparkplug.md), and `layout` is not used.
    public var sparkplug: SparkplugLayout?

    /// A source from its parts, taken as they are: `parse(yaml:file:)` is what checks a description.
    public init(
        name: String, file: String, summary: String, topic: TopicPattern, qos: Int32?, layout: MessageLayout, sparkplug: SparkplugLayout? = nil
    ) {
        self.name = name
        self.file = file
        self.summary = summary
        self.topic = topic
        self.qos = qos
        self.layout = layout
        self.sparkplug = sparkplug
    }

    /// The source in force where no description is given: the original service's envelope on `topicFilter`.
    public static func envelope(topicFilter: String) throws(TopicPatternError) -> MessageSource {
        MessageSource(
            name: "default", file: "", summary: "the original envelope on MQTT_TOPIC", topic: try TopicPattern(topicFilter), qos: nil,
            layout: .envelope)
    }
}
