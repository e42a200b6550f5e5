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

    /// Sets the metric's value; `definition` is of the birth `from`, whose positions it has.
    mutating func set(_ definition: BirthCertificate.Definition, _ value: ArraySlice<UInt8>, from birth: BirthCertificate?) {
        if let position = definition.position, birth?.serial == self.birth, position < values.count {
            values[position] = value
        } else if let position = positions[definition.name] {
            values[position] = value
        } else {
            positions[definition.name] = values.count
            var key = JSONTextWriter(capacity: definition.name.utf8.count + 3)
            key.key(definition.name)
            keys.append(key.bytes)
            values.append(value)
        }
    }
}
