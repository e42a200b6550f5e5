import CNCPlugins
import CollectorCore
import Foundation
import MachineTypes
import StageRuntime
import SystemCalls

/// `mesctl try-type`: sample messages through a machine type, with no broker and no database:
/// what ingest would refuse, and for the rest the row the worker would store, with its quality
/// marks and unknown variables, or its refusal.
public struct TypeTrial {
    /// The type's name: as given, or the name in the description file.
    public let typeName: String
    let mapper: any MachineTypeMapper

    /// `type` is a type of the catalog, or the path of a description not deployed yet (`*.yaml`, `*.yml`). Throws a
    /// `TrialError` when there is no such type or the file cannot be read, and the description's error when it is invalid.
    public init(type: String, catalog: MachineTypeCatalog) throws {
        if type.hasSuffix(".yaml") || type.hasSuffix(".yml") {
            guard let text = try? String(contentsOfFile: type, encoding: .utf8) else { throw TrialError("cannot read \(type)") }
            var definition = try TypeDefinition.parse(yaml: text, file: type)
            if case .external(var plugin) = definition {
                plugin.strictModes = catalog.strictModes
                definition = .external(plugin)
            }
            (typeName, mapper) = (definition.name, definition.mapper())
        } else {
            guard let mapper = catalog.mapper(named: type) else {
                throw TrialError("no machine type named \"\(type)\"; known: \(catalog.typeNames.sorted().joined(separator: ", "))")
            }
            (typeName, self.mapper) = (type, mapper)
        }
    }

    /// What becomes of one message in the original envelope, as a line of text.
    public func outcome(of raw: [UInt8]) -> (stored: Bool, text: String) {
        switch Self.message(raw) {
        case .failure(let failure): (false, "refused by ingest: \(failure.reason)")
        case .success(let message): outcome(of: message)
        }
    }

    /// What the worker makes of a message ingest accepted, as a line of text.
    func outcome(of message: CNCMessage) -> (stored: Bool, text: String) {
        switch mapper.outcome(of: message, typeName: typeName, maxPayloadDepth: 16) {
        case .unavailable(let reason):
            return (false, "\(message.cncID): the type cannot map anything now: \(reason)")
        case .rejected(let rejection):
            return (false, "\(message.cncID): refused by the worker: \(rejection.reason)")
        case .stored(let record):
            return (true, "\(message.cncID): stored " + Self.columns(of: record.state).map { "\($0)=\($1)" }.joined(separator: " "))
        }
    }

    /// The worker's cost of this type: the messages of `lines` that ingest accepts, mapped
    /// `rounds` times as a worker maps them (payload parsed, type run). Returns how many were
    /// mapped, the seconds it took, and this process's CPU seconds (an external program's own
    /// CPU is not in it).
    public func measure(_ lines: [[UInt8]], rounds: Int) -> (messages: Int, seconds: Double, cpuSeconds: Double) {
        let messages = lines.compactMap { try? Self.message($0).get() }
        let start = monotonicNanoseconds(), cpuStart = Self.processCPUNanoseconds()
        for _ in 0..<rounds {
            for message in messages { _ = mapper.outcome(of: message, typeName: typeName, maxPayloadDepth: 16) }
        }
        return (messages.count * rounds, Double(monotonicNanoseconds() - start) / 1e9, Double(Self.processCPUNanoseconds() - cpuStart) / 1e9)
    }

    private static func message(_ raw: [UInt8]) -> Result<CNCMessage, ValidationFailure> {
        MessageValidator().validate(raw).map { fields in
            let now = WallClock.nowMicroseconds()
            return CNCMessage(
                id: MessageID(topic: "sensor/CNC", content: raw), topic: "sensor/CNC", raw: raw, accepted: fields, receivedAt: now,
                firstReceivedAt: now)
        }
    }

    /// The CPU time of this process, every thread, in ns.
    static func processCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// A number as a person reads it: 15 significant digits at most, so that a unit conversion's
    /// binary remainder (1.5 in is 38.099999999999994 mm as a double) shows as 38.1.
    static func shown(_ number: Double) -> String {
        String(format: "%.15g", number)
    }

    /// The `machine_state` columns a state fills, as text, in table order.
    static func columns(of state: MachineState) -> [(String, String)] {
        let fields = StateField.allCases.compactMap { field -> (String, String)? in
            switch state.value(of: field) {
            case .null: nil
            case .string(let text): (field.rawValue, "\"\(text)\"")
            case .number(let number): (field.rawValue, Self.shown(number))
            case let value: (field.rawValue, value.serialized())
            }
        }
        var columns = [("status", state.status.rawValue)] + fields
        if !state.extra.members.isEmpty { columns.append(("extra", JSONValue.object(state.extra).serialized())) }
        if !state.quality.isEmpty { columns.append(("quality", "[" + state.quality.joined(separator: ",") + "]")) }
        if !state.unknownVariables.isEmpty { columns.append(("unknown_variables", "[" + state.unknownVariables.joined(separator: ",") + "]")) }
        return columns
    }
}

/// Why a trial cannot run.
public struct TrialError: Error, CustomStringConvertible {
    /// What is wrong, for the operator.
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
