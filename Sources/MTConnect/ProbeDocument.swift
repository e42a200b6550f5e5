/// An agent's `/probe` answer: its devices, each with every DataItem it reports.
public struct ProbeDocument: Sendable, Equatable {
    /// The document's `Header`: which run of the agent answered.
    public var header: MTConnectHeader
    /// Each `Device` and `Agent` element, in the document's order.
    public var devices: [DeviceModel]

    /// A probe document of `devices` under `header`.
    public init(header: MTConnectHeader, devices: [DeviceModel]) {
        self.header = header
        self.devices = devices
    }
}

/// One device of a probe: a machine, or the agent itself (an `Agent` element, `isAgent`).
public struct DeviceModel: Sendable, Equatable {
    /// The element's `id`.
    public var id: String
    /// The device's `name`; its `id` when the element has no name.
    public var name: String
    /// The device's `uuid`; nil when the element has none.
    public var uuid: String?
    /// Whether this is the agent's own `Agent` element, which the follower never takes for a machine.
    public var isAgent: Bool
    /// Every DataItem of the device and its components, in the probe's order.
    public var dataItems: [DataItemDefinition]

    /// A device; by default a machine (`isAgent` false) with no DataItems yet.
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
    /// The DataItem's `category`, by its spelling in the probe.
    public enum Category: String, Sendable {
        case sample = "SAMPLE"
        case event = "EVENT"
        case condition = "CONDITION"
    }

    /// The DataItem's `id`, which its observations give as `dataItemId`.
    public var id: String
    /// The DataItem's `name`; nil when it has none.
    public var name: String?
    /// The standard's type, such as `EXECUTION` or `ROTARY_VELOCITY`.
    public var type: String
    /// The `subType`, such as `ACTUAL` or `OVERRIDE`; nil when it has none.
    public var subType: String?
    /// Whether it reports samples, events or conditions.
    public var category: Category
    /// The `units` attribute as the probe gives it, such as `MILLIMETER`; nil when it has none.
    public var units: String?
    /// `VALUE` unless said: `TIME_SERIES`, `DATA_SET`, `TABLE`, `DISCRETE`.
    public var representation: String?
    /// The innermost component (or the device) whose `DataItems` list it.
    public var component: ComponentReference

    /// A definition; the optional attributes default to nil.
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
    /// The component's element name (in a streams document, its `ComponentStream`'s `component`).
    public var type: String
    /// The component's `name`; nil when it has none.
    public var name: String?
    /// The component's `id`; nil when it has none.
    public var id: String?

    /// A reference to a component of element `type`.
    public init(type: String, name: String? = nil, id: String? = nil) {
        self.type = type
        self.name = name
        self.id = id
    }
}
