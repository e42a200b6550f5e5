import CollectorCore
import SystemCalls

/// What becomes of one message that its machine type maps: the row to store, the message's
/// rejection, or nothing yet, because the type cannot map anything now.
public enum MappingOutcome: Sendable, Equatable {
    case stored(StoredRecord)
    case rejected(Rejection)
    /// The type cannot map anything now (`PluginRejection.isUnavailable`): hold the message.
    case unavailable(String)
}

extension MachineTypeMapper {
    /// Maps one message as a worker does: its payload read to `maxPayloadDepth`, then the type's
    /// state. A refusal is the worker's rejection, its reason led by `typeName`.
    public func outcome(of message: CNCMessage, typeName: String, maxPayloadDepth: Int) -> MappingOutcome {
        do {
            let payload = try message.parsePayload(maxDepth: maxPayloadDepth)
            let state = try machineState(for: message, payload: payload)
            return .stored(StoredRecord(message: message, cncType: typeName, state: state))
        } catch let error as PluginRejection {
            if error.isUnavailable { return .unavailable(error.reason) }
            return .rejected(
                Rejection(rejecting: message, at: .worker, reason: "\(typeName): \(error.reason)", rejectedAt: WallClock.nowMicroseconds()))
        } catch {
            return .rejected(
                Rejection(rejecting: message, at: .worker, reason: "\(typeName): payload: \(error)", rejectedAt: WallClock.nowMicroseconds()))
        }
    }
}
