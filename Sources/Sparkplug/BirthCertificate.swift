import CollectorCore

/// What one birth (NBIRTH or DBIRTH) said of its metrics: the name and datatype behind each
/// alias, and each name's datatype, so that DATA carrying aliases alone can be named and a
/// datatype that contradicts the birth refused. It also holds, made once, the JSON text that
/// every message of the birth writes for each metric: its member name and the start of its
/// entry in the list of metrics as sent.
struct BirthCertificate: Sendable {
    struct Definition: Sendable, Equatable {
        var name: String
        var datatype: SparkplugDataType?
        /// The metric's place among the birth's names (`names`); nil for a name the birth lacks.
        var position: Int?
        /// Of an alias: `{"name":"NAME","alias":N,"datatype":"TYPE"`, as the list of metrics
        /// writes a metric sent by that alias with the birth's datatype.
        var entry: [UInt8]? = nil
    }

    /// Tells one birth from another, for the positions of its definitions.
    struct Serial: Sendable, Equatable {
        let value: UInt64
    }

    let serial = Serial(value: UInt64.random(in: .min ... .max))
    private(set) var byAlias: [UInt64: Definition] = [:]
    private(set) var byName: [String: Definition] = [:]
    /// The birth's metric names, each once, in the birth's order.
    private(set) var names: [String] = []
    /// `"NAME":` of each of `names`.
    private(set) var keys: [[UInt8]] = []

    init(_ metrics: [SparkplugB_Payload.Metric]) throws(SparkplugError) {
        for metric in metrics {
            guard metric.hasName else {
                throw SparkplugError("a birth names every metric; one has \(metric.hasAlias ? "alias \(metric.alias) and " : "")no name")
            }
            // A name the database cannot store must not name the DATA to come either.
            guard !metric.name.utf8.contains(0) else {
                throw SparkplugError("a metric's name holds the character U+0000, which the database cannot store")
            }
            let datatype = metric.hasDatatype ? SparkplugDataType(rawValue: metric.datatype) : nil
            var definition = byName[metric.name] ?? Definition(name: metric.name, datatype: nil, position: names.count)
            if definition.position == names.count {
                names.append(metric.name)
                var key = JSONTextWriter(capacity: metric.name.utf8.count + 3)
                key.key(metric.name)
                keys.append(key.bytes)
            }
            if let datatype { definition.datatype = datatype }
            byName[metric.name] = definition
            if metric.hasAlias {
                if let earlier = byAlias[metric.alias], earlier.name != metric.name {
                    throw SparkplugError("the birth gives alias \(metric.alias) to both \"\(earlier.name)\" and \"\(metric.name)\"")
                }
                var entry = JSONTextWriter(capacity: metric.name.utf8.count + 48)
                MetricEntry.writeStart(name: metric.name, alias: metric.alias, datatype: datatype, to: &entry)
                byAlias[metric.alias] = Definition(name: metric.name, datatype: datatype, position: definition.position, entry: entry.bytes)
            }
        }
    }

    /// The metric's name and datatype: its own, or its birth's.
    func definition(of metric: SparkplugB_Payload.Metric) -> Definition? {
        if metric.hasName { return byName[metric.name] ?? Definition(name: metric.name, datatype: nil, position: nil) }
        return metric.hasAlias ? byAlias[metric.alias] : nil
    }
}
