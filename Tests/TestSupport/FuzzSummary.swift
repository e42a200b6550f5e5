import CNCPlugins
import Ingest

/// What a fuzz run saw: counts, rejection reasons by shape, and the slowest input.
package struct FuzzSummary {
    package var inputs = 0
    package var accepted = 0
    package var rejected = 0
    /// Per plugin type: accepted messages the plugin stored or refused.
    package var stored: [String: Int] = [:]
    package var refused: [String: Int] = [:]
    /// Rejection reasons with the message's own text taken out (see `shape`).
    package var reasons: [String: Int] = [:]
    package var mutations: [String: Int] = [:]
    /// Time spent checking inputs (validator and plugins), without making them.
    package var checkNanoseconds: UInt64 = 0
    package var slowestNanoseconds: UInt64 = 0

    package init() {}
    package var slowestInput = ""
    package var largestInput = 0

    package mutating func record(input index: UInt64, size: Int, mutations applied: [MessageMutator.Mutation], nanoseconds: UInt64) {
        inputs += 1
        largestInput = max(largestInput, size)
        checkNanoseconds += nanoseconds
        for mutation in Set(applied) { mutations[mutation.rawValue, default: 0] += 1 }
        if nanoseconds > slowestNanoseconds {
            slowestNanoseconds = nanoseconds
            slowestInput = "input \(index), \(size) bytes, \(applied.map(\.rawValue).joined(separator: "+"))"
        }
    }

    package mutating func reject(_ reason: String) {
        rejected += 1
        reasons[Self.shape(reason), default: 0] += 1
    }

    /// Names that reasons quote and that say which rule failed; other quoted text is data.
    private static let ruleNames: Set<String> = [
        "cnc_id", "part_program", "timestamp", "payload", "status", "spin", "X-Axis", "Y-Axis", "Z-Axis", "feed", "alarm", "running",
    ]

    /// A reason with its numbers replaced by `N` and quoted data by `…`, so that reasons group by
    /// rule. Quoted data is not escaped in reasons and may hold quotes itself, so it runs to the
    /// reason's last quote.
    package static func shape(_ reason: String) -> String {
        // Scalars, not characters: a combining mark after a quote would hide the quote.
        let characters = Array(reason.unicodeScalars)
        var result = String.UnicodeScalarView()
        var index = 0
        var inNumber = false
        while index < characters.count {
            let character = characters[index]
            if character == "\"" {
                inNumber = false
                let next = characters[(index + 1)...].firstIndex(of: "\"")
                if let next, ruleNames.contains(String(String.UnicodeScalarView(characters[(index + 1)..<next]))) {
                    result += characters[index...next]
                    index = next + 1
                } else if let last = characters.lastIndex(of: "\""), last > index {
                    result += "\"…\"".unicodeScalars
                    index = last + 1
                } else {
                    result += "\"…".unicodeScalars
                    index = characters.count
                }
                continue
            }
            if ("0"..."9").contains(character) {
                if !inNumber { result.append("N") }
                inNumber = true
            } else {
                result.append(character)
                inNumber = false
            }
            index += 1
        }
        return String(result)
    }

    package func report(seconds: Double, seed: UInt64) -> String {
        let rate = seconds > 0 ? Int(Double(inputs) / seconds) : 0
        var lines = [
            "validator fuzz, seed \(seed): \(inputs) inputs in \(String(format2: seconds)) s (\(rate) inputs/s), "
                + "\(String(format2: Double(checkNanoseconds) / 1e9)) s of it in the validator and the plugins",
            "  accepted \(accepted), rejected \(rejected); largest input \(largestInput) bytes",
            "  slowest input \(String(format2: Double(slowestNanoseconds) / 1_000_000)) ms: \(slowestInput)",
        ]
        for type in Set(stored.keys).union(refused.keys).sorted() {
            lines.append("  \(type): stored \(stored[type, default: 0]), refused \(refused[type, default: 0]) of the accepted")
        }
        lines.append("  inputs per mutation: " + mutations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        lines.append("  \(reasons.count) distinct rejection reasons (numbers as N, quoted data as …):")
        for (reason, count) in reasons.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            lines.append("    \(String(count).leftPadded(to: 8))  \(reason)")
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    /// Two decimals, without Foundation's formatter.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = String(hundredths % 100)
        self = "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction)"
    }

    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }
}
