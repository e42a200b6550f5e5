import CollectorCore

@testable import Sparkplug

/// Sparkplug payloads for the tests, built with the generated protobuf code.
enum SparkplugFixtures {
    typealias Metric = SparkplugB_Payload.Metric

    static func metric(
        _ name: String?, alias: UInt64? = nil, datatype: SparkplugDataType? = nil, _ value: Metric.OneOf_Value?, timestamp: UInt64? = nil,
        historical: Bool = false
    ) -> Metric {
        var metric = Metric()
        if let name { metric.name = name }
        if let alias { metric.alias = alias }
        if let datatype { metric.datatype = datatype.rawValue }
        if let timestamp { metric.timestamp = timestamp }
        if historical { metric.isHistorical = true }
        metric.value = value
        return metric
    }

    static func payload(seq: UInt64?, timestamp: UInt64? = 1_765_000_000_000, _ metrics: [Metric]) -> [UInt8] {
        var payload = SparkplugB_Payload()
        if let seq { payload.seq = seq }
        if let timestamp { payload.timestamp = timestamp }
        payload.metrics = metrics
        return try! payload.serializedBytes()
    }

    /// An NBIRTH with bdSeq and the node's own metric `Uptime` (alias 1).
    static func nodeBirth(seq: UInt64 = 0, bdSeq: UInt64 = 1) -> [UInt8] {
        payload(
            seq: seq,
            [
                metric("bdSeq", datatype: .int64, .longValue(bdSeq)),
                metric("Node Control/Rebirth", datatype: .boolean, .booleanValue(false)),
                metric("Uptime", alias: 1, datatype: .uint32, .intValue(0)),
            ])
    }

    /// A DBIRTH naming `Spindle/Speed` (alias 10, Double), `Execution` (11, String),
    /// `PartCount` (12, Int64) and `Program` (13, String).
    static func deviceBirth(seq: UInt64) -> [UInt8] {
        payload(
            seq: seq,
            [
                metric("Spindle/Speed", alias: 10, datatype: .double, .doubleValue(0)),
                metric("Execution", alias: 11, datatype: .string, .stringValue("READY")),
                metric("PartCount", alias: 12, datatype: .int64, .longValue(0)),
                metric("Program", alias: 13, datatype: .string, .stringValue("O1000")),
            ])
    }

    /// A DDATA by alias only.
    static func deviceData(seq: UInt64, speed: Double = 1200.5, execution: String = "ACTIVE", parts: Int64 = -3) -> [UInt8] {
        payload(
            seq: seq,
            [
                metric(nil, alias: 10, .doubleValue(speed)), metric(nil, alias: 11, .stringValue(execution)),
                metric(nil, alias: 12, .longValue(UInt64(bitPattern: parts))),
            ])
    }

    static func nodeDeath(bdSeq: UInt64) -> [UInt8] {
        payload(seq: nil, timestamp: nil, [metric("bdSeq", datatype: .int64, .longValue(bdSeq))])
    }

    static let limits = ValidationLimits()
}
