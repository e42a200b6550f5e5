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
    public let sources: [MessageSource]
    private let topics: SourceTopics

    public init(sources: [MessageSource]) {
        self.sources = sources
        self.topics = SourceTopics(sources.map(\.topic))
    }

    public static func == (lhs: SourceCatalog, rhs: SourceCatalog) -> Bool {
        lhs.sources == rhs.sources
    }

    /// The sources of `directory` (nil: none is set), with the errors of the files that cannot be used.
    public static func load(directory: String?, defaultTopic: String, keeping previous: SourceCatalog? = nil) -> (
        SourceCatalog, [DescriptionError]
    ) {
        var sources: [MessageSource] = []
        var errors: [DescriptionError] = []
        if let directory {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
                errors.append(DescriptionError(file: directory, line: nil, column: nil, path: "", reason: "no such directory (MES_SOURCES_DIR)"))
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                let path = "\(directory)/\(name)"
                var source: MessageSource
                do throws(DescriptionError) {
                    source = try MessageSource.read(file: path)
                } catch {
                    errors.append(error)
                    guard let kept = previous?.sources.first(where: { $0.file == path }) else { continue }
                    source = kept
                }
                if let other = sources.first(where: { $0.name == source.name }) {
                    errors.append(
                        DescriptionError(
                            file: path, line: nil, column: nil, path: "name", reason: "\(source.name) is described in \(other.file) already"))
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
        return (SourceCatalog(sources: sources), errors)
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
