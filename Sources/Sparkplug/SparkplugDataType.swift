/// The Sparkplug B datatypes, by the numbers `Metric.datatype` carries.
public enum SparkplugDataType: UInt32, Sendable, CaseIterable {
    case unknown = 0
    case int8, int16, int32, int64, uint8, uint16, uint32, uint64, float, double, boolean, string, dateTime, text
    case uuid, dataSet, bytes, file, template
    case propertySet, propertySetList
    case int8Array, int16Array, int32Array, int64Array, uint8Array, uint16Array, uint32Array, uint64Array
    case floatArray, doubleArray, booleanArray, stringArray, dateTimeArray

    /// The specification's name, as `cnc_data.payload` spells it.
    public var name: String {
        switch self {
        case .unknown: "Unknown"
        case .int8: "Int8"
        case .int16: "Int16"
        case .int32: "Int32"
        case .int64: "Int64"
        case .uint8: "UInt8"
        case .uint16: "UInt16"
        case .uint32: "UInt32"
        case .uint64: "UInt64"
        case .float: "Float"
        case .double: "Double"
        case .boolean: "Boolean"
        case .string: "String"
        case .dateTime: "DateTime"
        case .text: "Text"
        case .uuid: "UUID"
        case .dataSet: "DataSet"
        case .bytes: "Bytes"
        case .file: "File"
        case .template: "Template"
        case .propertySet: "PropertySet"
        case .propertySetList: "PropertySetList"
        case .int8Array: "Int8Array"
        case .int16Array: "Int16Array"
        case .int32Array: "Int32Array"
        case .int64Array: "Int64Array"
        case .uint8Array: "UInt8Array"
        case .uint16Array: "UInt16Array"
        case .uint32Array: "UInt32Array"
        case .uint64Array: "UInt64Array"
        case .floatArray: "FloatArray"
        case .doubleArray: "DoubleArray"
        case .booleanArray: "BooleanArray"
        case .stringArray: "StringArray"
        case .dateTimeArray: "DateTimeArray"
        }
    }

    /// The value field a metric of this type carries it in, by the field's name.
    var valueField: String {
        switch self {
        case .int8, .int16, .int32, .uint8, .uint16, .uint32: "int_value"
        case .int64, .uint64, .dateTime: "long_value"
        case .float: "float_value"
        case .double: "double_value"
        case .boolean: "boolean_value"
        case .string, .text, .uuid: "string_value"
        case .dataSet: "dataset_value"
        case .template: "template_value"
        case .unknown, .propertySet, .propertySetList: "none"
        default: "bytes_value"
        }
    }
}
