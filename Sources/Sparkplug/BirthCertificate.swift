import CollectorCore

/// What one birth (NBIRTH or DBIRTH) said of its metrics: the name and datatype behind each
/// alias, and each name's datatype, so that DATA carrying aliases alone can be named and a
/// datatype that contradicts the birth refused. It also holds, made once, the JSON text that
/// every message of the birth writes for each metric: its member name, and its member of the
/// metrics sent. A class: each message of the birth refers to it, and
/// a copy of all its tables would cost a count of references each.
final class BirthCertificate: Sendable {
    /// A metric's name and datatype as the birth gives them, under its name or one alias.
    struct Definition: Sendable, Equatable {
        var name: String
        var datatype: SparkplugDataType?
        /// The metric's place among the birth's names (`names`); nil for the one the list of metrics
        /// is named (`SparkplugLayout.metricsMember`).
        var position: Int?

        init(name: String, datatype: SparkplugDataType?, position: Int?) {
            self.name = name
            self.datatype = datatype
            self.position = position
            var sent = JSONTextWriter(capacity: name.utf8.count + 16)
            sent.key(name)
            if let datatype { sent.string(datatype.name) } else { sent.raw("null") }
            self.sent = sent.bytes
        }
        /// `"NAME":"TYPE"`, as a message's metrics sent list a metric of this datatype.
        var sent: [UInt8]
    }

    /// Tells one birth from another, for the positions of its definitions.
    struct Serial: Sendable, Equatable {
        let value: UInt64
    }

    let serial = Serial(value: UInt64.random(in: .min ... .max))
    /// What `byAlias` and `byName` point to. A message refers to its metrics' definitions by
    /// their place here, which copies nothing.
    let definitions: [Definition]
    private let byAlias: [UInt64: Int]
    private let byName: [String: Int]
    /// The birth's metric names, each once, in the birth's order, but for one named as the
    /// payload's list of metrics is (`SparkplugLayout.metricsMember`): its values stay in the list.
    let names: [String]
    /// `"NAME":` of each of `names`.
    let keys: [[UInt8]]

    init(_ metrics: [SparkplugB_Payload.Metric]) throws(SparkplugError) {
        var definitions: [Definition] = []
        var byAlias: [UInt64: Int] = [:]
        var byName: [String: Int] = [:]
        var names: [String] = []
        var keys: [[UInt8]] = []
        for metric in metrics {
            guard metric.hasName else {
                throw SparkplugError("a birth names every metric; one has \(metric.hasAlias ? "alias \(metric.alias) and " : "")no name")
            }
            // A name the database cannot store must not name the DATA to come either.
            guard !metric.name.utf8.contains(0) else {
                throw SparkplugError("a metric's name holds the character U+0000, which the database cannot store")
            }
            let datatype = metric.hasDatatype ? SparkplugDataType(rawValue: metric.datatype) : nil
            let named: Int
            if let known = byName[metric.name] {
                named = known
            } else {
                named = definitions.count
                byName[metric.name] = named
                let isList = metric.name == SparkplugLayout.metricsMember
                definitions.append(Definition(name: metric.name, datatype: nil, position: isList ? nil : names.count))
                if !isList {
                    names.append(metric.name)
                    var key = JSONTextWriter(capacity: metric.name.utf8.count + 3)
                    key.key(metric.name)
                    keys.append(key.bytes)
                }
            }
            if let datatype, definitions[named].datatype != datatype {
                definitions[named] = Definition(name: metric.name, datatype: datatype, position: definitions[named].position)
            }
            if metric.hasAlias {
                if let earlier = byAlias[metric.alias], definitions[earlier].name != metric.name {
                    throw SparkplugError(
                        "the birth gives alias \(metric.alias) to both \"\(definitions[earlier].name)\" and \"\(metric.name)\"")
                }
                byAlias[metric.alias] = definitions.count
                definitions.append(Definition(name: metric.name, datatype: datatype, position: definitions[named].position))
            }
        }
        self.definitions = definitions
        self.byAlias = byAlias
        self.byName = byName
        self.names = names
        self.keys = keys
    }

    /// Where in `definitions` the metric's name and datatype are: by its name if it has one,
    /// else by its alias; nil when the birth names neither.
    func definition(of metric: SparkplugB_Payload.Metric) -> Int? {
        if metric.hasName { return byName[metric.name] }
        return metric.hasAlias ? byAlias[metric.alias] : nil
    }
}
