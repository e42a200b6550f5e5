import CollectorCore
import Foundation
import LibPQ
import Router
import StageRuntime

/// `mesctl check-config`: reads the type map and the settings the stages would read, and says
/// what is wrong before a deploy does.
public enum ConfigurationCheck {
    public struct Finding: Sendable, CustomStringConvertible {
        public var ok: Bool
        public var subject: String
        public var detail: String

        public var description: String { "\(ok ? "ok   " : "error") \(subject): \(detail)" }
    }

    /// Every check, in order; `connect` also tries the database.
    public static func run(mapPath: String, connect: Bool) -> [Finding] {
        var findings: [Finding] = []
        func check(_ subject: String, _ body: () throws -> String) {
            do {
                findings.append(Finding(ok: true, subject: subject, detail: try body()))
            } catch {
                findings.append(Finding(ok: false, subject: subject, detail: Redaction.redact("\(error)")))
            }
        }
        check("type map \(mapPath)") {
            let map = try RouterService.loadMap(path: mapPath)
            let counts = Dictionary(grouping: map.typeByCNCID.values, by: { $0 }).mapValues(\.count)
            return "\(map.typeByCNCID.count) machines; " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        }
        check("endpoints") {
            let endpoints = try StageEndpoints.resolve()
            let connected = [endpoints.router, endpoints.sink, endpoints.acknowledgements]
            let bound = [endpoints.routerListen, endpoints.sinkListen, endpoints.acknowledgementsListen]
            for (lists, binding) in [(connected, false), (bound, true)] {
                for list in lists {
                    try StageEndpoints.check(list)
                    for endpoint in list { _ = try endpoints.security.review(endpoint, binding: binding) }
                }
            }
            return "router \(endpoints.router.joined(separator: ",")), sink \(endpoints.sink.joined(separator: ",")), acknowledgements \(endpoints.acknowledgements.joined(separator: ","))"
        }
        check("MQTT_URL") {
            "\(try Settings.broker(nil))"
        }
        check("MES_JOURNAL_DIR") {
            guard let directory = Settings.environment("MES_JOURNAL_DIR") else {
                return "unset: ingest uses journal/CLIENT_ID under its working directory; set it to persistent storage"
            }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
                guard isDirectory.boolValue, FileManager.default.isWritableFile(atPath: directory) else {
                    throw SettingError(reason: "\(directory) is not a writable directory")
                }
                return "\(directory) (exists)"
            }
            return "\(directory) (ingest will create it)"
        }
        if connect {
            check("DATABASE_URL") {
                let connection = try PostgresConnection(conninfo: Settings.resolve(nil, env: "DATABASE_URL", default: ""))
                return "connected: \(connection.serverDescription)"
            }
        }
        return findings
    }
}
