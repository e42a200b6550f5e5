/// A source's topic: an MQTT topic filter whose levels may be named, as in
/// `plant/{site}/{line}/{cnc_id}/data`. A named level matches one level, as `+` does, and gives
/// its value to the source (the machine's identity, its program or a tag). A `$share/GROUP/`
/// prefix makes the subscription shared; it is no part of the topics that match.
public struct TopicPattern: Sendable, Equatable, CustomStringConvertible {
    /// One level of the filter, between two slashes.
    public enum Level: Sendable, Equatable {
        /// A level that matches this text only.
        case literal(String)
        /// `+`, or `{name}` with its name.
        case one(name: String?)
        /// `#`: this level and every one after it, or none.
        case rest
    }

    /// The filter's levels in order, the share prefix excluded; never empty.
    public let levels: [Level]
    /// The group of a shared subscription, or nil.
    public let shareGroup: String?
    /// The one topic a pattern without wildcards matches: one comparison instead of a walk.
    private let onlyTopic: String?

    /// The pattern as written.
    public let description: String

    /// Reads a pattern; the error says what is wrong with it.
    public init(_ text: String) throws(TopicPatternError) {
        description = text
        var rest = Substring(text)
        if rest.hasPrefix("$share/") {
            let afterPrefix = rest.dropFirst("$share/".count)
            guard let slash = afterPrefix.firstIndex(of: "/"), slash > afterPrefix.startIndex else {
                throw TopicPatternError("a shared subscription is $share/GROUP/FILTER")
            }
            let group = afterPrefix[..<slash]
            guard !group.contains(where: { "+#{}".contains($0) }) else { throw TopicPatternError("the share group may not hold + # { }") }
            shareGroup = String(group)
            rest = afterPrefix[afterPrefix.index(after: slash)...]
        } else {
            shareGroup = nil
        }
        guard !rest.isEmpty else { throw TopicPatternError("empty") }
        var levels: [Level] = []
        var names: Set<String> = []
        let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            if part == "#" {
                guard index == parts.count - 1 else { throw TopicPatternError("# must be the last level") }
                levels.append(.rest)
            } else if part == "+" {
                levels.append(.one(name: nil))
            } else if part.hasPrefix("{") && part.hasSuffix("}") && part.count > 2 {
                let name = String(part.dropFirst().dropLast())
                guard Self.isName(name) else {
                    throw TopicPatternError("{\(name.prefix(32))} is not a level name (letters, digits, _; a letter first)")
                }
                guard names.insert(name).inserted else { throw TopicPatternError("{\(name)} names two levels") }
                levels.append(.one(name: name))
            } else {
                guard !part.contains(where: { "+#{}".contains($0) }) else {
                    throw TopicPatternError("level \"\(part.prefix(32))\": + and # stand alone in a level, and {name} takes a whole level")
                }
                levels.append(.literal(String(part)))
            }
        }
        self.levels = levels
        onlyTopic = levels.allSatisfy { if case .literal = $0 { true } else { false } } ? String(rest) : nil
    }

    static func isName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII else { return false }
        return name.utf8.count <= 64
            && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    /// The filter to subscribe to: named levels as `+`, with the share prefix.
    public var subscriptionFilter: String {
        let filter = levels.map { level -> String in
            switch level {
            case .literal(let text): text
            case .one: "+"
            case .rest: "#"
            }
        }.joined(separator: "/")
        return shareGroup.map { "$share/\($0)/\(filter)" } ?? filter
    }

    /// The index of the level named `name`, or nil.
    public func level(named name: String) -> Int? {
        levels.firstIndex { $0 == .one(name: name) }
    }

    /// The names of the named levels, in order.
    public var names: [String] {
        levels.compactMap { if case .one(let name?) = $0 { name } else { nil } }
    }

    /// True when a message on `topic` is one of this pattern's, by MQTT's matching rules (a
    /// wildcard in the first level does not match a topic that starts with `$`).
    public func matches(_ topic: String) -> Bool {
        if let onlyTopic { return topic == onlyTopic }
        var utf8 = topic.utf8[...]
        if utf8.first == UInt8(ascii: "$"), let first = levels.first, first != .literal(String(topic.prefix { $0 != "/" })) {
            return false
        }
        for (index, level) in levels.enumerated() {
            let end = utf8.firstIndex(of: UInt8(ascii: "/"))
            let part = utf8[..<(end ?? utf8.endIndex)]
            switch level {
            case .rest:
                return true
            case .one:
                break
            case .literal(let text):
                guard part.elementsEqual(text.utf8) else { return false }
            }
            guard let end else {
                // The topic has no more levels: it matches when the pattern has none either, or only a `#`.
                return index == levels.count - 1 || (index == levels.count - 2 && levels.last == .rest)
            }
            utf8 = utf8[utf8.index(after: end)...]
        }
        return false
    }
}

/// Why a text is no topic pattern.
public struct TopicPatternError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. `# must be the last level`; the whole pattern is not repeated.
    public var reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    /// The reason.
    public var description: String { reason }
}
