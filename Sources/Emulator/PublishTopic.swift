import StageRuntime

/// Where the emulator publishes: one topic, or, with `{cnc_id}` in it, each message on the topic
/// with its machine's id in that place, as a topic-per-machine plant publishes. The topic is
/// the two parts around `{cnc_id}` joined with the id: no pattern is matched per message.
public struct PublishTopic: Sendable {
    /// What a topic holds where each message's machine id goes.
    public static let placeholder = "{cnc_id}"

    /// The topic as given.
    public let template: String
    /// Before and after `{cnc_id}`; nil when there is none.
    private let parts: (before: String, after: String)?

    /// Refuses more than one `{cnc_id}`, and `flat` messages (which carry no `cnc_id`) on a topic without one.
    public init(_ template: String, flat: Bool = false) throws(SettingError) {
        self.template = template
        let pieces = template.split(separator: Self.placeholder, omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw SettingError(reason: "--topic \(template) holds \(Self.placeholder) more than once") }
        parts = pieces.count == 2 ? (String(pieces[0]), String(pieces[1])) : nil
        guard !flat || parts != nil else {
            throw SettingError(
                reason:
                    "--flat needs \(Self.placeholder) in the topic (a flat message has no cnc_id member), e.g. --topic plant/\(Self.placeholder)/data"
            )
        }
    }

    /// Whether each machine has its own topic.
    public var perMachine: Bool { parts != nil }

    /// The topic of a message from `cncID`; an empty id leaves that place empty.
    public func topic(for cncID: String) -> String {
        guard let parts else { return template }
        return parts.before + cncID + parts.after
    }
}
