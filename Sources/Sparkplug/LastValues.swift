import CollectorCore

/// The last known value of every metric of one scope (an edge node, or one of its devices), as
/// JSON text: its birth's values, updated by each DATA message. Sparkplug DATA carries the
/// metrics that changed; the payload a machine type reads holds them all. The birth's metrics
/// have a place each, by their position in it; a name the birth lacks is looked up by name.
struct LastValues {
    /// `"NAME":` and the value of each metric, in the birth's order, then the others.
    private(set) var keys: [[UInt8]]
    private(set) var values: [ArraySlice<UInt8>?]
    /// Every name's place.
    private var positions: [String: Int]
    /// The birth whose positions the places are.
    private let birth: BirthCertificate.Serial?
    /// The last value of the source's part program metric.
    var partProgram: String?

    init() {
        keys = []
        values = []
        positions = [:]
        birth = nil
    }

    /// Places for the birth's metrics, none known yet.
    init(birth: BirthCertificate) {
        keys = birth.keys
        values = Array(repeating: nil, count: birth.keys.count)
        positions = Dictionary(uniqueKeysWithValues: birth.names.enumerated().map { ($1, $0) })
        self.birth = birth.serial
    }

    /// Sets the value of the birth `serial`'s metric at `position`; false when these places
    /// are another birth's, and the value must be set by name.
    mutating func set(_ value: ArraySlice<UInt8>, position: Int, in serial: BirthCertificate.Serial) -> Bool {
        guard serial == birth, position < values.count else { return false }
        values[position] = value
        return true
    }

    /// Sets the value of the metric `name`.
    mutating func set(_ value: ArraySlice<UInt8>, name: String) {
        if let position = positions[name] {
            values[position] = value
        } else {
            positions[name] = values.count
            var key = JSONTextWriter(capacity: name.utf8.count + 3)
            key.key(name)
            keys.append(key.bytes)
            values.append(value)
        }
    }
}
