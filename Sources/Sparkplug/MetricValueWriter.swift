import CollectorCore
import Foundation

/// Writes a metric's value as JSON, read as its datatype says: signed integers from their two's
/// complement, arrays from their packed bytes, bytes as base64.
enum MetricValueWriter {
    typealias Metric = SparkplugB_Payload.Metric

    /// The field a value arrived in, by its name in the specification.
    static func field(of value: Metric.OneOf_Value) -> String {
        switch value {
        case .intValue: "int_value"
        case .longValue: "long_value"
        case .floatValue: "float_value"
        case .doubleValue: "double_value"
        case .booleanValue: "boolean_value"
        case .stringValue: "string_value"
        case .bytesValue: "bytes_value"
        case .datasetValue: "dataset_value"
        case .templateValue: "template_value"
        case .extensionValue: "extension_value"
        }
    }

    /// Writes `metric`'s value; `datatype` nil (an alias no birth names yet) writes it as its
    /// field holds it. Throws when the field is not the one the datatype uses. `label` is made
    /// only for a reason: most values need none.
    static func write(
        _ metric: Metric, datatype: SparkplugDataType?, label: @autoclosure () -> MetricLabel, to writer: inout JSONTextWriter
    ) throws(SparkplugError) {
        guard !metric.isNull, let value = metric.value else {
            writer.raw("null")
            return
        }
        if let datatype, datatype.valueField != field(of: value) {
            throw SparkplugError("metric \(label()): a \(datatype.name) is carried in \(datatype.valueField), this one has \(field(of: value))")
        }
        switch value {
        case .intValue(let raw): writeInt(raw, as: datatype, to: &writer)
        case .longValue(let raw): writeLong(raw, as: datatype, to: &writer)
        case .floatValue(let number): writer.number(Double(number))
        case .doubleValue(let number): writer.number(number)
        case .booleanValue(let flag): writer.bool(flag)
        case .stringValue(let text): writer.string(text)
        case .bytesValue(let bytes):
            if let datatype, let element = ArrayElement(datatype) {
                try writeArray(Array(bytes), of: element, label: label(), to: &writer)
            } else {
                writer.string(bytes.base64EncodedString())
            }
        case .datasetValue(let dataSet): try write(dataSet, label: label(), to: &writer)
        case .templateValue(let template): try write(template, label: label(), to: &writer)
        case .extensionValue: writer.raw("null")
        }
    }

    /// An `int_value` (a metric's, a data set cell's): the signed types from their two's complement.
    private static func writeInt(_ raw: UInt32, as datatype: SparkplugDataType?, to writer: inout JSONTextWriter) {
        switch datatype {
        case .int8?: writer.integer(Int64(Int8(truncatingIfNeeded: raw)))
        case .int16?: writer.integer(Int64(Int16(truncatingIfNeeded: raw)))
        case .int32?: writer.integer(Int64(Int32(bitPattern: raw)))
        default: writer.integer(UInt64(raw))
        }
    }

    /// A `long_value`: an Int64 from its two's complement, anything else as the unsigned number.
    private static func writeLong(_ raw: UInt64, as datatype: SparkplugDataType?, to writer: inout JSONTextWriter) {
        if datatype == .int64 { writer.integer(Int64(bitPattern: raw)) } else { writer.integer(raw) }
    }

    /// `{"columns": [...], "types": [...], "rows": [[...], ...]}`.
    private static func write(_ dataSet: SparkplugB_Payload.DataSet, label: MetricLabel, to writer: inout JSONTextWriter) throws(SparkplugError) {
        writer.raw("{\"columns\":[")
        for (index, column) in dataSet.columns.enumerated() {
            if index > 0 { writer.byte(",") }
            writer.string(column)
        }
        writer.raw("],\"types\":[")
        for (index, type) in dataSet.types.enumerated() {
            if index > 0 { writer.byte(",") }
            writer.string(SparkplugDataType(rawValue: type)?.name ?? String(type))
        }
        writer.raw("],\"rows\":[")
        for (rowIndex, row) in dataSet.rows.enumerated() {
            if rowIndex > 0 { writer.byte(",") }
            writer.byte("[")
            for (index, element) in row.elements.enumerated() {
                if index > 0 { writer.byte(",") }
                let type = index < dataSet.types.count ? SparkplugDataType(rawValue: dataSet.types[index]) : nil
                switch element.value {
                case .intValue(let raw)?: writeInt(raw, as: type, to: &writer)
                case .longValue(let raw)?: writeLong(raw, as: type, to: &writer)
                case .floatValue(let number)?: writer.number(Double(number))
                case .doubleValue(let number)?: writer.number(number)
                case .booleanValue(let flag)?: writer.bool(flag)
                case .stringValue(let text)?: writer.string(text)
                case .extensionValue?, nil: writer.raw("null")
                }
            }
            writer.byte("]")
        }
        writer.raw("]}")
    }

    /// `{"template_ref": ..., "metrics": [{"name", "datatype", "value"}, ...]}`.
    private static func write(_ template: SparkplugB_Payload.Template, label: MetricLabel, to writer: inout JSONTextWriter) throws(SparkplugError) {
        writer.byte("{")
        if template.hasTemplateRef {
            writer.key("template_ref")
            writer.string(template.templateRef)
            writer.byte(",")
        }
        if template.hasVersion {
            writer.key("version")
            writer.string(template.version)
            writer.byte(",")
        }
        if template.isDefinition { writer.raw("\"is_definition\":true,") }
        writer.raw("\"metrics\":[")
        for (index, member) in template.metrics.enumerated() {
            if index > 0 { writer.byte(",") }
            let type = member.hasDatatype ? SparkplugDataType(rawValue: member.datatype) : nil
            writer.byte("{")
            writer.key("name")
            writer.string(member.name)
            if let type {
                writer.raw(",\"datatype\":")
                writer.string(type.name)
            }
            writer.raw(",\"value\":")
            try write(member, datatype: type, label: label.member(member.name), to: &writer)
            writer.byte("}")
        }
        writer.raw("]}")
    }

    /// What an array datatype packs into `bytes_value`.
    enum ArrayElement {
        case signed(bytes: Int)
        case unsigned(bytes: Int)
        case float, double, boolean, string, dateTime

        init?(_ datatype: SparkplugDataType) {
            switch datatype {
            case .int8Array: self = .signed(bytes: 1)
            case .int16Array: self = .signed(bytes: 2)
            case .int32Array: self = .signed(bytes: 4)
            case .int64Array: self = .signed(bytes: 8)
            case .uint8Array: self = .unsigned(bytes: 1)
            case .uint16Array: self = .unsigned(bytes: 2)
            case .uint32Array: self = .unsigned(bytes: 4)
            case .uint64Array: self = .unsigned(bytes: 8)
            case .floatArray: self = .float
            case .doubleArray: self = .double
            case .booleanArray: self = .boolean
            case .stringArray: self = .string
            case .dateTimeArray: self = .dateTime
            default: return nil
            }
        }

        var width: Int {
            switch self {
            case .signed(let bytes), .unsigned(let bytes): bytes
            case .float: 4
            case .double, .dateTime: 8
            case .boolean, .string: 1
            }
        }
    }

    /// The little-endian unsigned integer of `width` bytes at `offset`.
    private static func littleEndian(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in (0..<width).reversed() { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }

    private static func writeArray(_ bytes: [UInt8], of element: ArrayElement, label: MetricLabel, to writer: inout JSONTextWriter)
        throws(SparkplugError)
    {
        writer.byte("[")
        switch element {
        case .string:
            guard bytes.isEmpty || bytes.last == 0 else { throw SparkplugError("metric \(label): a StringArray's strings end in a zero byte") }
            for (index, text) in bytes.dropLast().split(separator: 0, omittingEmptySubsequences: false).enumerated() where !bytes.isEmpty {
                if index > 0 { writer.byte(",") }
                writer.string(String(decoding: text, as: UTF8.self))
            }
        case .boolean:
            // A u32 count, then the values a bit each, the first in the first byte's high bit.
            guard bytes.count >= 4 else { throw SparkplugError("metric \(label): a BooleanArray starts with its count, 4 bytes") }
            let count = Int(littleEndian(bytes, at: 0, width: 4))
            guard count <= (bytes.count - 4) * 8 else {
                throw SparkplugError("metric \(label): a BooleanArray of \(count) values in \(bytes.count - 4) bytes")
            }
            for index in 0..<count {
                if index > 0 { writer.byte(",") }
                writer.bool(bytes[4 + index / 8] & (0x80 >> UInt8(index % 8)) != 0)
            }
        default:
            let width = element.width
            guard bytes.count % width == 0 else {
                throw SparkplugError("metric \(label): \(bytes.count) bytes are not a whole number of \(width)-byte elements")
            }
            for index in 0..<(bytes.count / width) {
                if index > 0 { writer.byte(",") }
                let raw = littleEndian(bytes, at: index * width, width: width)
                switch element {
                case .signed: writer.integer(Int64(bitPattern: raw << UInt64(64 - 8 * width)) >> Int64(64 - 8 * width))
                case .unsigned, .dateTime: writer.integer(raw)
                case .float: writer.number(Double(Float(bitPattern: UInt32(raw))))
                case .double: writer.number(Double(bitPattern: raw))
                case .boolean, .string: break
                }
            }
        }
        writer.byte("]")
    }
}
