import CNCPlugins
import CollectorCore
import Foundation
import StageRuntime

/// Parses the router's per-type worker endpoints: `TYPE=ENDPOINT` entries.
public enum WorkerListen {
    /// Splits `MES_WORKER_LISTEN` into entries: `A=tcp://*:1,B=tcp://*:2` or with `;`.
    public static func entries(_ text: String) -> [String] {
        var entries: [String] = []
        for part in text.split(whereSeparator: { $0 == ";" || $0 == "," }).map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            // A part without "=" is one more endpoint of the previous type.
            if !part.contains("="), let last = entries.popLast() {
                entries.append("\(last),\(part)")
            } else {
                entries.append(part)
            }
        }
        return entries
    }

    /// Each type's endpoints from `entries(_:)`'s entries; a type named twice gets the endpoints of both.
    /// - Throws: `SettingError` for an entry that is not `TYPE=ENDPOINT` with a valid type name, or for an
    ///   endpoint `StageEndpoints.check` refuses.
    public static func parse(_ entries: [String]) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for entry in entries {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, MachineTypeName.isValid(parts[0]) else {
                throw SettingError(reason: "worker endpoint \"\(entry)\" must be TYPE=ENDPOINT")
            }
            let endpoints = Settings.list(parts[1])
            try StageEndpoints.check(endpoints)
            result[parts[0], default: []].append(contentsOf: endpoints)
        }
        return result
    }
}
