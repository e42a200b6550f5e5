import CollectorCore
import Logging
import Metrics
import StageRuntime

/// What a worker reports about the data its type does not vouch for: each quality mark counted
/// per check, and each unknown variable (drift) counted per name and logged the first time this
/// worker sees it. `mesctl drift` lists the same from the database.
struct DataQualityReport {
    /// Distinct check and variable names counted per type; later ones are counted as `other`,
    /// so that a stream of ever-new variable names cannot grow the metrics without bound.
    static let maxNames = 100

    private static let help = [
        "cnc.worker.marked.total": "Stored messages that failed a check of their type, per check",
        "cnc.worker.unknown_variables.total": "Stored messages carrying a variable their type does not know, per variable name",
    ]

    private let type: String
    private let logger: Logger
    private var marked: [String: Counter] = [:]
    private var drift: [String: Counter] = [:]

    init(type: String, logger: Logger) {
        self.type = type
        self.logger = logger
    }

    /// Counts a stored state's quality marks and unknown variables, and logs each unknown variable the first time,
    /// up to `maxNames` of them.
    mutating func record(_ state: MachineState, cncID: String) {
        for check in state.quality {
            counter(&marked, label: "cnc.worker.marked.total", dimension: "check", value: Self.labelValue(check)).increment()
        }
        for variable in state.unknownVariables {
            let value = Self.labelValue(variable)
            if drift[value] == nil && drift.count < Self.maxNames {
                logger.notice(
                    "a variable this type does not know: stored in cnc_data.payload and listed by mesctl drift",
                    metadata: ["cnc_type": "\(type)", "variable": "\(value)", "cnc_id": "\(cncID)"])
            }
            counter(&drift, label: "cnc.worker.unknown_variables.total", dimension: "variable", value: value).increment()
        }
    }

    /// The counter for `labelValue` (see `labelValue(_:)`), or `other` once there are `maxNames`.
    private func counter(_ counters: inout [String: Counter], label: String, dimension: String, value labelValue: String) -> Counter {
        var value = labelValue
        if counters[value] == nil && counters.count >= Self.maxNames { value = "other" }
        if let counter = counters[value] { return counter }
        let counter = Counter(label: MetricHelp.label(label, help: Self.help[label] ?? ""), dimensions: [("cnc_type", type), (dimension, value)])
        counters[value] = counter
        return counter
    }

    /// A name as a metric label: at most 64 characters of letters, digits and `_.:-`; others become `_`.
    static func labelValue(_ name: String) -> String {
        // Nearly every name is one already: a message of many sensors asks this of each, every time.
        let utf8 = name.utf8
        if utf8.count <= 64 && utf8.allSatisfy(isLabelByte) { return name }
        return String(name.prefix(64).map { $0.asciiValue.map(isLabelByte) == true ? $0 : "_" })
    }

    private static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"), UInt8(ascii: "-"): true
        default: false
        }
    }
}
