/// A `MessageLayout` worked out once for the validator's hot path: which member names and topic
/// levels hold which value, so that reading a message compares a few names instead of building
/// places, and walks its topic once. A class, so that a validator copied per message retains
/// one reference rather than each of the layout's strings.
final class LayoutPlan: Sendable {
    let layout: MessageLayout
    /// What a member or a topic level holds.
    enum Role: Sendable, Equatable {
        case cncID, partProgram
        case time(TimeFormat)
        case payload
        case tag(String)
    }

    /// The top-level members the layout reads, by name (at most four).
    let members: [(name: String, role: Role)]
    /// The payload object's members the layout reads.
    let payloadMembers: [(name: String, role: Role)]
    /// The topic levels the layout reads, by level in increasing order.
    let topicLevels: [(level: Int, role: Role)]
    /// True with `payload: rest`: the variables are the top-level members not read.
    let payloadIsRest: Bool
    /// False when the time is the receipt's.
    let readsTime: Bool

    init(_ layout: MessageLayout) {
        self.layout = layout
        var members: [(String, Role)] = [], payloadMembers: [(String, Role)] = [], levels: [(Int, Role)] = []
        func add(_ place: MessageLayout.Place?, _ role: Role) {
            switch place {
            case .member(let name)?: members.append((name, role))
            case .payloadMember(let name)?: payloadMembers.append((name, role))
            case .topicLevel(let level)?: levels.append((level, role))
            case nil: break
            }
        }
        add(layout.cncID, .cncID)
        add(layout.partProgram, .partProgram)
        if case .at(let place, let format) = layout.time { add(place, .time(format)) }
        if case .member(let name) = layout.payload { members.append((name, .payload)) }
        for tag in layout.tags { levels.append((tag.level, .tag(tag.name))) }
        self.members = members
        self.payloadMembers = payloadMembers
        self.topicLevels = levels.sorted { $0.0 < $1.0 }
        self.payloadIsRest = layout.payload == .rest
        self.readsTime = layout.time != .received
    }

    /// The role of the member `name` of the top-level object (`inPayload` false) or of the payload.
    func role(ofMember name: String, inPayload: Bool) -> Role? {
        for member in inPayload ? payloadMembers : members where member.name == name { return member.role }
        return nil
    }

    /// Calls `body` with each level the layout reads and its text, in level order; returns the
    /// first level the topic lacks, if any.
    func forEachLevel(of topic: String, _ body: (Role, Substring) -> Void) -> Int? {
        guard !topicLevels.isEmpty else { return nil }
        var next = 0, level = 0
        var start = topic.startIndex
        var index = topic.startIndex
        while next < topicLevels.count {
            let end = topic[index...].firstIndex(of: "/") ?? topic.endIndex
            while next < topicLevels.count && topicLevels[next].level == level {
                body(topicLevels[next].role, topic[start..<end])
                next += 1
            }
            guard end < topic.endIndex else { break }
            index = topic.index(after: end)
            start = index
            level += 1
        }
        return next < topicLevels.count ? topicLevels[next].level : nil
    }
}
