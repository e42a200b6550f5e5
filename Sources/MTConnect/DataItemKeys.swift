/// The payload variable each DataItem of a device is stored under: its type in the standard's
/// spelling (`EXECUTION` → `Execution`), so that one machine type reads any agent's devices.
///
/// A sub-type other than `ACTUAL` follows after a dot (`PathFeedrate.Override`); a condition is
/// `<Type>Condition` (`SystemCondition`). A key that several DataItems of the device would share
/// is given, for each of them, its component's name first (`C/RotaryVelocity`, `S/RotaryVelocity`),
/// and if that is still shared, the DataItem's id. The summary of the device's conditions has
/// keys of its own (``alarmKeys``), which no DataItem takes.
public struct DataItemKeys: Sendable, Equatable {
    /// The worst level of the device's active conditions, and the code and text of the latest
    /// condition at that level.
    public static let alarmKeys = ["Alarm", "AlarmCode", "AlarmText"]

    /// Each DataItem's key, by the DataItem's id; of two DataItems with one id, the first one's.
    public let byID: [String: String]
    /// The keys in the probe's order of their DataItems.
    public let ordered: [String]

    /// The keys of `device`'s DataItems, made as described above.
    public init(_ device: DeviceModel) {
        let bases = device.dataItems.map(Self.base)
        var count: [String: Int] = [:]
        for base in bases + Self.alarmKeys { count[base, default: 0] += 1 }
        var keys = zip(device.dataItems, bases).map { item, base in
            count[base]! > 1 ? "\(item.component.name ?? item.component.id ?? item.component.type)/\(base)" : base
        }
        var qualified: [String: Int] = [:]
        for key in keys + Self.alarmKeys { qualified[key, default: 0] += 1 }
        keys = zip(device.dataItems, keys).map { item, key in qualified[key]! > 1 ? item.id : key }
        byID = Dictionary(zip(device.dataItems.map(\.id), keys), uniquingKeysWith: { first, _ in first })
        ordered = keys
    }

    /// The key a DataItem has before another shares it.
    static func base(_ item: DataItemDefinition) -> String {
        var key = pascalCase(item.type)
        if let subType = item.subType, subType != "ACTUAL" { key += "." + pascalCase(subType) }
        if item.category == .condition { key += "Condition" }
        return key
    }

    /// `ROTARY_VELOCITY` → `RotaryVelocity`; a vendor's `x:FOO` → `Foo`.
    static func pascalCase(_ type: String) -> String {
        let local = type.split(separator: ":").last.map(String.init) ?? type
        return local.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined()
    }
}
