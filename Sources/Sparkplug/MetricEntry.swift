import CollectorCore

/// A metric as sent, in the payload's list of them: `{"name", "alias", "datatype", "timestamp",
/// "historical", "transient", "value"}`, the optional members only when sent.
enum MetricEntry {
    /// `{"name":…,"alias":…,"datatype":…`: what a birth can write ahead for each alias.
    static func writeStart(name: String?, alias: UInt64?, datatype: SparkplugDataType?, to writer: inout JSONTextWriter) {
        writer.raw("{\"name\":")
        if let name { writer.string(name) } else { writer.raw("null") }
        if let alias {
            writer.raw(",\"alias\":")
            writer.integer(alias)
        }
        writer.raw(",\"datatype\":")
        if let datatype { writer.string(datatype.name) } else { writer.raw("null") }
    }

    /// After the start: the metric's own timestamp and flags, and the value's key. The value
    /// and `}` follow.
    static func writeAttributes(_ sent: SparkplugB_Payload.Metric, to writer: inout JSONTextWriter) {
        if sent.hasTimestamp {
            writer.raw(",\"timestamp\":")
            writer.integer(sent.timestamp)
        }
        if sent.isHistorical { writer.raw(",\"historical\":true") }
        if sent.isTransient { writer.raw(",\"transient\":true") }
        writer.raw(",\"value\":")
    }
}
