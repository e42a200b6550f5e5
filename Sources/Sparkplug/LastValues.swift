/// The last known value of every metric of one scope (an edge node, or one of its devices), as
/// JSON text, in the order first seen: its birth's values, updated by each DATA message. Sparkplug
/// DATA carries the metrics that changed; the payload a machine type reads holds them all.
struct LastValues {
    private(set) var names: [String] = []
    private(set) var values: [ArraySlice<UInt8>] = []
    private var positions: [String: Int] = [:]
    /// The last value of the source's part program metric.
    var partProgram: String?

    init() {}

    var isEmpty: Bool { names.isEmpty }

    mutating func set(_ name: String, _ value: ArraySlice<UInt8>) {
        if let position = positions[name] {
            values[position] = value
        } else {
            positions[name] = names.count
            names.append(name)
            values.append(value)
        }
    }
}
