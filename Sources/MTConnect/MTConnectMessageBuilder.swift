import CollectorCore

/// Turns a device's observations into the messages the pipeline stores: one for each time at
/// which the device reported, holding every DataItem's last value under its key (what machine
/// types map) and, under `"mtconnect"`, the observations of that time as the agent sent them.
///
/// A message's identity comes from the agent, its run (`instanceId`) and the sequence numbers it
/// holds: the same observations fetched again after a restart are the same message, which the
/// sink stores once.
public struct MTConnectMessageBuilder: Sendable {
    /// Which of a device's names is its machine's `cnc_id`: its `name`, or its `uuid` (a device
    /// without one then cannot be a machine).
    public enum MachineName: String, Sendable {
        case name, uuid
    }

    /// The agent as the source names it, such as `http://10.1.2.3:5000`.
    public var agent: String
    /// Which of a device's names is its `cnc_id`; default `.name`.
    public var machineName: MachineName
    /// Bounds on a `cnc_id`'s length and on the part program's (longer programs are cut).
    public var limits: ValidationLimits
    /// The member of the payload that holds the observations as sent.
    public static let observationsMember = ProtocolMembers.mtconnect

    /// A builder for the devices of `agent`.
    public init(agent: String, machineName: MachineName = .name, limits: ValidationLimits = ValidationLimits()) {
        self.agent = agent
        self.machineName = machineName
        self.limits = limits
    }

    /// The machine a device is, or the reason it cannot be one: throws when the chosen name is
    /// not a valid `cnc_id`.
    public func cncID(of device: DeviceModel) throws(MTConnectError) -> String {
        let id = machineName == .uuid ? (device.uuid ?? "") : device.name
        guard CNCIdentifier.isValid(id, maxLength: limits.maxCNCIDLength) else {
            throw MTConnectError("device \(machineName.rawValue) \"\(id.prefix(64))\" is not a valid cnc_id")
        }
        return id
    }

    /// The messages of `stream`, a sample: one for each time, in sequence order; `state` takes
    /// its observations.
    public func messages(
        _ stream: DeviceStream, instanceID: UInt64, state: inout MTConnectDeviceState, receivedAt: Int64
    ) throws(MTConnectError) -> [CNCMessage] {
        let cncID = try cncID(of: state.device)
        let observations = stream.observations.sorted { $0.sequence < $1.sequence }
        var messages: [CNCMessage] = []
        var start = observations.startIndex
        while start < observations.endIndex {
            var end = start + 1
            while end < observations.endIndex, observations[end].timestamp == observations[start].timestamp { end += 1 }
            let group = observations[start..<end]
            for observation in group { state.apply(observation) }
            messages.append(
                message(group, at: observations[start].timestamp, cncID: cncID, instanceID: instanceID, state: state, receivedAt: receivedAt))
            start = end
        }
        return messages
    }

    /// The one message of `stream`, a `/current` document: the device's state as the agent knows
    /// it now, at the time of its newest observation. Read as a history instead, its first times
    /// would lack what the device reported later, though it holds that now.
    public func snapshot(
        _ stream: DeviceStream, instanceID: UInt64, state: inout MTConnectDeviceState, receivedAt: Int64
    ) throws(MTConnectError) -> CNCMessage? {
        let cncID = try cncID(of: state.device)
        let observations = stream.observations.sorted { $0.sequence < $1.sequence }
        guard let newest = observations.map(\.timestamp).max() else { return nil }
        for observation in observations { state.apply(observation) }
        return message(observations[...], at: newest, cncID: cncID, instanceID: instanceID, state: state, receivedAt: receivedAt)
    }

    /// The device as it stands, again, at `timestamp` (the agent's time): a device the agent has
    /// reported nothing of for a while. Its observations are none; `heartbeat` holds the time.
    public func heartbeat(_ state: MTConnectDeviceState, at timestamp: Int64, instanceID: UInt64, receivedAt: Int64) throws(MTConnectError)
        -> CNCMessage
    {
        message([], at: timestamp, cncID: try cncID(of: state.device), instanceID: instanceID, state: state, receivedAt: receivedAt, heartbeat: true)
    }

    private func message(
        _ observations: ArraySlice<Observation>, at timestamp: Int64, cncID: String, instanceID: UInt64, state: MTConnectDeviceState,
        receivedAt: Int64, heartbeat: Bool = false
    ) -> CNCMessage {
        let topic = "mtconnect/\(agent)/\(state.device.name)"
        var sent = JSONTextWriter(capacity: 96 * observations.count + 64)
        sent.raw("{\"agent\":")
        sent.string(agent)
        sent.raw(",\"instance_id\":")
        sent.integer(instanceID)
        // A heartbeat's identity is its time: each is a statement of its own.
        if heartbeat {
            sent.raw(",\"heartbeat\":")
            sent.integer(timestamp)
        }
        sent.raw(",\"observations\":[")
        for (index, observation) in observations.enumerated() {
            if index > 0 { sent.byte(",") }
            write(observation, key: state.key(of: observation), definition: state.definition(of: observation.dataItemID), to: &sent)
        }
        sent.raw("]}")
        var payload = JSONTextWriter(capacity: 2 * sent.bytes.count + 512)
        payload.byte("{")
        state.writeValues(to: &payload)
        payload.key(Self.observationsMember)
        payload.json(sent.bytes)
        payload.byte("}")
        return CNCMessage(
            id: MessageID(topic: topic, content: sent.bytes), receivedAt: receivedAt, timestamp: timestamp, topic: topic, cncID: cncID,
            partProgram: state.program.map { String($0.prefix(limits.maxPartProgramLength)) }, raw: sent.bytes, payloadRange: 0..<0,
            builtPayload: payload.bytes, tags: tags(state.device))
    }

    /// The agent, and the device's uuid where it has one; kept in `machine_current.tags`.
    private func tags(_ device: DeviceModel) -> [MachineTag] {
        [MachineTag(name: "mtconnect_agent", value: agent)] + (device.uuid.map { [MachineTag(name: "mtconnect_device_uuid", value: $0)] } ?? [])
    }

    /// `{"id", "key", "sequence", "timestamp", "value"}`, and for a condition its `level`,
    /// `native_code`, `native_severity`, `qualifier` and `condition_type`.
    private func write(_ observation: Observation, key: String, definition: DataItemDefinition?, to writer: inout JSONTextWriter) {
        writer.raw("{\"id\":")
        writer.string(observation.dataItemID)
        writer.raw(",\"key\":")
        writer.string(key)
        writer.raw(",\"sequence\":")
        writer.integer(observation.sequence)
        writer.raw(",\"timestamp\":")
        writer.integer(observation.timestamp)
        if let condition = observation.condition {
            writer.raw(",\"level\":")
            writer.string(condition.level.rawValue)
            for (name, value) in [
                ("native_code", condition.nativeCode), ("native_severity", condition.nativeSeverity), ("qualifier", condition.qualifier),
                ("condition_type", condition.type),
            ] {
                guard let value else { continue }
                writer.byte(",")
                writer.key(name)
                writer.string(value)
            }
        }
        if observation.truncated { writer.raw(",\"truncated\":true") }
        writer.raw(",\"value\":")
        ObservationValueWriter.write(observation, definition: definition, to: &writer)
        writer.byte("}")
    }
}
