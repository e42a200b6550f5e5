/// Where a message's identity, time, program and variables are: the part of a source
/// description that reading one message needs (`MessageValidator`). `envelope` is the original
/// service's message.
public struct MessageLayout: Sendable, Equatable {
    /// Where one value is found.
    public enum Place: Sendable, Equatable {
        /// A member of the message's top-level object.
        case member(String)
        /// A member of the payload object (`payload` is `.member`).
        case payloadMember(String)
        /// A level of the topic, counted from 0.
        case topicLevel(Int)
    }

    /// Where the time is and in which form.
    public enum Time: Sendable, Equatable {
        /// At this place, in this form.
        case at(Place, TimeFormat)
        /// The message has none: the time ingest first received it stands in.
        case received
    }

    /// What the payload of variables is.
    public enum Payload: Sendable, Equatable {
        /// A member of the top-level object, an object.
        case member(String)
        /// The top-level object less the members that the layout reads as the identity, the
        /// time and the program.
        case rest
    }

    /// A topic level kept as a tag of the machine.
    public struct TopicTag: Sendable, Equatable {
        /// The tag's name, such as `line`.
        public var name: String
        /// The topic level it is read from, counted from 0.
        public var level: Int

        /// A tag `name` read from topic level `level` (counted from 0).
        public init(name: String, level: Int) {
            self.name = name
            self.level = level
        }
    }

    /// Where the `cnc_id` is.
    public var cncID: Place
    /// Where the time is and in which form, or that the receipt's time stands in.
    public var time: Time
    /// nil: the messages carry no program, stored as NULL.
    public var partProgram: Place?
    /// What the payload of variables is.
    public var payload: Payload
    /// The topic levels kept as the machine's tags; none by default.
    public var tags: [TopicTag]

    /// A layout of these places, taken as they are; `tags` default to none.
    public init(cncID: Place, time: Time, partProgram: Place?, payload: Payload, tags: [TopicTag] = []) {
        self.cncID = cncID
        self.time = time
        self.partProgram = partProgram
        self.payload = payload
        self.tags = tags
    }

    /// The original service's message: `{"cnc_id", "part_program", "timestamp", "payload": {…}}`.
    public static let envelope = MessageLayout(
        cncID: .member("cnc_id"), time: .at(.member("timestamp"), .auto), partProgram: .member("part_program"), payload: .member("payload"))

    /// The name of the place in rejection reasons: `field "x"`, `payload field "x"`, `topic level 3`.
    static func name(of place: Place) -> String {
        switch place {
        case .member(let name): "field \"\(name)\""
        case .payloadMember(let name): "payload field \"\(name)\""
        case .topicLevel(let level): "topic level \(level + 1)"
        }
    }
}
