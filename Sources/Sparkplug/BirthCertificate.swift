/// What one birth (NBIRTH or DBIRTH) said of its metrics: the name and datatype behind each
/// alias, and each name's datatype, so that DATA carrying aliases alone can be named and a
/// datatype that contradicts the birth refused.
struct BirthCertificate: Sendable {
    struct Definition: Sendable, Equatable {
        var name: String
        var datatype: SparkplugDataType?
    }

    private(set) var byAlias: [UInt64: Definition] = [:]
    private(set) var datatypeByName: [String: SparkplugDataType] = [:]

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
            if let datatype { datatypeByName[metric.name] = datatype }
            if metric.hasAlias {
                if let earlier = byAlias[metric.alias], earlier.name != metric.name {
                    throw SparkplugError("the birth gives alias \(metric.alias) to both \"\(earlier.name)\" and \"\(metric.name)\"")
                }
                byAlias[metric.alias] = Definition(name: metric.name, datatype: datatype)
            }
        }
    }

    /// The metric's name and datatype: its own, or its birth's.
    func definition(of metric: SparkplugB_Payload.Metric) -> Definition? {
        if metric.hasName { return Definition(name: metric.name, datatype: datatypeByName[metric.name]) }
        return metric.hasAlias ? byAlias[metric.alias] : nil
    }
}
