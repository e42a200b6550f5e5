import CollectorCore

/// The last known value of every metric of one scope (an edge node, or one of its devices), as
/// JSON text: its birth's values, updated by each DATA message. Sparkplug DATA carries the
/// metrics that changed; the payload a machine type reads holds them all. The birth's metrics
/// have a place each, by their position in it; a name the birth lacks is looked up by name.
struct LastValues {
    /// `"NAME":` and the value of each metric, in the birth's order, then the others.
    private(set) var keys: [[UInt8]]
    private(set) var values: [ArraySlice<UInt8>?]
    /// Which message set each value, and which of its metrics: a name sent twice in one message
    /// keeps only its later value here.
    private var setBy: [(message: UInt64, metric: Int)]
    private var message: UInt64 = 0
    /// Every name's place.
    private var positions: [String: Int]
    /// The birth whose positions the places are.
    private let birth: BirthCertificate.Serial?
    /// The last value of the source's part program metric.
    var partProgram: String?

    init() {
        keys = []
        values = []
        setBy = []
        positions = [:]
        birth = nil
    }

    /// Places for the birth's metrics, none known yet.
    init(birth: BirthCertificate) {
        keys = birth.keys
        values = Array(repeating: nil, count: birth.keys.count)
        setBy = Array(repeating: (0, 0), count: birth.keys.count)
        positions = Dictionary(uniqueKeysWithValues: birth.names.enumerated().map { ($1, $0) })
        self.birth = birth.serial
    }

    /// The values set from here on are the next message's.
    mutating func beginMessage() {
        message += 1
    }

    /// The place of the birth `serial`'s metric at `position`; nil when these places are
    /// another birth's, and the metric's place is its name's.
    func place(position: Int, in serial: BirthCertificate.Serial) -> Int? {
        serial == birth && position < values.count ? position : nil
    }

    /// The place of the metric `name`, made if it has none yet.
    mutating func place(name: String) -> Int {
        if let position = positions[name] { return position }
        positions[name] = values.count
        var key = JSONTextWriter(capacity: name.utf8.count + 3)
        key.key(name)
        keys.append(key.bytes)
        values.append(nil)
        setBy.append((0, 0))
        return values.count - 1
    }

    /// Sets the value at `place` as this message's metric `metric`; returns the metric of this
    /// message that set it before, if one did.
    mutating func set(_ value: ArraySlice<UInt8>, at place: Int, by metric: Int) -> Int? {
        let earlier = setBy[place].message == message ? setBy[place].metric : nil
        values[place] = value
        setBy[place] = (message, metric)
        return earlier
    }
}
