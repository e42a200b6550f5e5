/// An agent's `/current` or `/sample` answer: observations by device, in the agent's order.
public struct StreamsDocument: Sendable, Equatable {
    /// The document's `Header`: the agent's run, and the sequence numbers its buffer holds.
    public var header: MTConnectHeader
    /// Each `DeviceStream` of the document, in its order.
    public var devices: [DeviceStream]

    /// A streams document of `devices` under `header`.
    public init(header: MTConnectHeader, devices: [DeviceStream]) {
        self.header = header
        self.devices = devices
    }

    /// Every observation of the document.
    public var observationCount: Int { devices.reduce(0) { $0 + $1.observations.count } }
}

/// The observations of one device.
public struct DeviceStream: Sendable, Equatable {
    /// The device's `name`; empty when the element has none.
    public var name: String
    /// The device's `uuid`; nil when the element has none.
    public var uuid: String?
    /// The device's observations, in the document's order (not necessarily by sequence number).
    public var observations: [Observation]

    /// The stream of the device `name`, with `observations` (default none).
    public init(name: String, uuid: String?, observations: [Observation] = []) {
        self.name = name
        self.uuid = uuid
        self.observations = observations
    }
}
