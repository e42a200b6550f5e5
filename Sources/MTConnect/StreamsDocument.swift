/// An agent's `/current` or `/sample` answer: observations by device, in the agent's order.
public struct StreamsDocument: Sendable, Equatable {
    public var header: MTConnectHeader
    public var devices: [DeviceStream]

    public init(header: MTConnectHeader, devices: [DeviceStream]) {
        self.header = header
        self.devices = devices
    }

    /// Every observation of the document.
    public var observationCount: Int { devices.reduce(0) { $0 + $1.observations.count } }
}

/// The observations of one device.
public struct DeviceStream: Sendable, Equatable {
    public var name: String
    public var uuid: String?
    public var observations: [Observation]

    public init(name: String, uuid: String?, observations: [Observation] = []) {
        self.name = name
        self.uuid = uuid
        self.observations = observations
    }
}
