/// An agent's `/probe` answer: its devices, each with every DataItem it reports.
public struct ProbeDocument: Sendable, Equatable {
    public var header: MTConnectHeader
    public var devices: [DeviceModel]

    public init(header: MTConnectHeader, devices: [DeviceModel]) {
        self.header = header
        self.devices = devices
    }
}

/// One device of a probe: a machine, or the agent itself (an `Agent` element, `isAgent`).
public struct DeviceModel: Sendable, Equatable {
    public var id: String
    public var name: String
    public var uuid: String?
    public var isAgent: Bool
    public var dataItems: [DataItemDefinition]

    public init(id: String, name: String, uuid: String?, isAgent: Bool = false, dataItems: [DataItemDefinition] = []) {
        self.id = id
        self.name = name
        self.uuid = uuid
        self.isAgent = isAgent
        self.dataItems = dataItems
    }
}

/// A DataItem as the probe defines it, with the component it belongs to.
public struct DataItemDefinition: Sendable, Equatable {
    public enum Category: String, Sendable {
        case sample = "SAMPLE"
        case event = "EVENT"
        case condition = "CONDITION"
    }

    public var id: String
    public var name: String?
    /// The standard's type, such as `EXECUTION` or `ROTARY_VELOCITY`.
    public var type: String
    public var subType: String?
    public var category: Category
    public var units: String?
    /// `VALUE` unless said: `TIME_SERIES`, `DATA_SET`, `TABLE`, `DISCRETE`.
    public var representation: String?
    public var component: ComponentReference

    public init(
        id: String, name: String? = nil, type: String, subType: String? = nil, category: Category, units: String? = nil,
        representation: String? = nil, component: ComponentReference
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.subType = subType
        self.category = category
        self.units = units
        self.representation = representation
        self.component = component
    }
}

/// The component a DataItem or an observation belongs to: its element (`Linear`, `Rotary`,
/// `Controller`, `Path`, `Device`, …), name and id.
public struct ComponentReference: Sendable, Equatable, Hashable {
    public var type: String
    public var name: String?
    public var id: String?

    public init(type: String, name: String? = nil, id: String? = nil) {
        self.type = type
        self.name = name
        self.id = id
    }
}
