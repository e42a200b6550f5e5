import CollectorCore
import DescriptionFiles
import Foundation

/// The sources an ingest serves: those the files of the sources directory describe (`*.yaml`,
/// `*.yml`, in file-name order), or, where no directory is set or it describes none, the
/// default source: the original envelope on `MQTT_TOPIC`. A message goes to the first source
/// whose topic pattern matches its topic.
///
/// Reading the directory again keeps what still works: a file that has become unreadable or
/// invalid is reported, and the source it described before stays in force.
public struct SourceCatalog: Sendable, Equatable {
    /// The message sources in the order their patterns are tried: file-name order, or the default source alone.
    public let sources: [MessageSource]
    /// The MTConnect agents the directory describes: the `mtconnect` stage's, not ingest's.
    public let agents: [AgentSource]
    private let topics: SourceTopics

    /// A catalog of these sources and agents, in the order given; nothing is checked, not even that names differ.
    public init(sources: [MessageSource], agents: [AgentSource] = []) {
        self.sources = sources
        self.agents = agents
        self.topics = SourceTopics(sources.map(\.topic))
    }

    /// Equal when the sources and the agents are, in the same order.
    public static func == (lhs: SourceCatalog, rhs: SourceCatalog) -> Bool {
        lhs.sources == rhs.sources && lhs.agents == rhs.agents
    }

    /// The sources of `directory` (nil: none is set), with the errors of the files that cannot be used.
    public static func load(directory: String?, defaultTopic: String, keeping previous: SourceCatalog? = nil) -> (
        SourceCatalog, [DescriptionError]
    ) {
        var sources: [MessageSource] = []
        var agents: [AgentSource] = []
        var errors: [DescriptionError] = []
        if let directory {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                errors.append(DescriptionError(file: directory, line: nil, column: nil, path: "", reason: "no such directory (MES_SOURCES_DIR)"))
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = "\(directory)/\(name)"
                /// The file that describes a source of this name already, sources and agents alike.
                func described(_ name: String) -> String? {
                    sources.first { $0.name == name }?.file ?? agents.first { $0.name == name }?.file
                }
                /// Takes an agent unless another file has its name already, which is an error of this file.
                func take(_ agent: AgentSource) {
                    if let other = described(agent.name) {
                        errors.append(
                            DescriptionError(
                                file: path, line: nil, column: nil, path: "name", reason: "\(agent.name) is described in \(other) already"))
                    } else {
                        agents.append(agent)
                    }
                }
                var source: MessageSource
                do throws(DescriptionError) {
                    let reader = SourceDescriptionReader(file: path)
                    let root = try reader.root(yaml: try SourceDescriptionReader.text(ofFileAt: path))
                    if reader.isAgent(root) {
                        take(try reader.agentSource(root))
                        continue
                    }
                    source = try reader.source(root)
                } catch {
                    if let kept = previous?.agents.first(where: { $0.file == path }) {
                        errors.append(error)
                        take(kept)
                        continue
                    }
                    errors.append(error)
                    guard let kept = previous?.sources.first(where: { $0.file == path }) else { continue }
                    source = kept
                }
                if let other = described(source.name) {
                    errors.append(
                        DescriptionError(
                            file: path, line: nil, column: nil, path: "name", reason: "\(source.name) is described in \(other) already"))
                    continue
                }
                sources.append(source)
            }
        }
        if sources.isEmpty {
            do throws(TopicPatternError) {
                sources = [try MessageSource.envelope(topicFilter: defaultTopic)]
            } catch {
                errors.append(DescriptionError(file: "MQTT_TOPIC", line: nil, column: nil, path: "", reason: "not a topic filter: \(error.reason)"))
            }
        }
        return (SourceCatalog(sources: sources, agents: agents), errors)
    }

    /// The index of the source of a message on `topic`, or nil when no source's pattern matches.
    public func source(for topic: String) -> Int? {
        topics.source(for: topic)
    }

    /// What to subscribe to: each source's filter with its QoS (`defaultQoS` where it names
    /// none), one subscription a filter, at the highest QoS any of its sources asks.
    public func subscriptions(defaultQoS: Int32) -> [String: Int32] {
        var subscriptions: [String: Int32] = [:]
        for source in sources {
            subscriptions[source.topic.subscriptionFilter] = max(subscriptions[source.topic.subscriptionFilter] ?? 0, source.qos ?? defaultQoS)
        }
        return subscriptions
    }
}

/// The sources' topic patterns, in their order, behind one reference: matching a message's topic
/// then copies no pattern (each holds several strings) on ingest's hot path.
private final class SourceTopics: Sendable {
    let patterns: [TopicPattern]

    init(_ patterns: [TopicPattern]) {
        self.patterns = patterns
    }

    func source(for topic: String) -> Int? {
        for index in patterns.indices where patterns[index].matches(topic) { return index }
        return nil
    }
}
