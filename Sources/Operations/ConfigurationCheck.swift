import CollectorCore
import Foundation
import LibPQ
import MachineTypes
import MessageSources
import PipelineSettings
import StageRuntime

/// `mesctl check-config`: reads the type map and the settings the stages would read, and says
/// what is wrong before a deploy does.
public enum ConfigurationCheck {
    /// The outcome of one check, printed as one line.
    public struct Finding: Sendable, CustomStringConvertible {
        /// False when the check found an error: `mesctl check-config` then exits 1.
        public var ok: Bool
        /// What was checked: a setting's variable, a message source, a machine type, the type map, the endpoints.
        public var subject: String
        /// What was found, or what is wrong.
        public var detail: String

        /// `ok` or `error`, then the subject and the detail, on one line.
        public var description: String { "\(ok ? "ok   " : "error") \(subject): \(detail)" }
    }

    /// Every check, in order: each setting set in `environment` against its description, then
    /// the message sources, the machine type descriptions, the type map, the endpoints, the broker URL and the journal;
    /// `connect` also tries the database.
    /// A failed check is a finding with `ok` false, never a thrown error. Blocking: reads files, and with `connect` the network.
    public static func run(mapPath: String, typesDirectory: String, connect: Bool, environment: SettingsEnvironment = .process) -> [Finding] {
        var findings: [Finding] = []
        func check(_ subject: String, _ body: () throws -> String) {
            do {
                findings.append(Finding(ok: true, subject: subject, detail: Redaction.redact(try body())))
            } catch {
                findings.append(Finding(ok: false, subject: subject, detail: Redaction.redact("\(error)")))
            }
        }
        for setting in SettingsCatalog.all {
            guard let text = environment[setting.variable] else { continue }
            check(setting.variable) {
                if let problem = setting.problem(with: text) { throw SettingError(reason: problem) }
                return "\(text)"
            }
        }
        let (sources, sourceErrors) = SourceCatalog.load(
            directory: environment[SourceSettings.directory.description.variable],
            defaultTopic: environment[BrokerSettings.topic.description.variable] ?? BrokerSettings.topic.defaultValue!)
        for error in sourceErrors {
            findings.append(Finding(ok: false, subject: "message source \(error.file)", detail: error.description))
        }
        for source in sources.sources {
            findings.append(
                Finding(
                    ok: true, subject: "message source \(source.name)",
                    detail: "\(source.topic.subscriptionFilter)" + (source.file.isEmpty ? " (\(source.summary))" : " from \(source.file)")))
        }
        let (catalog, descriptionErrors) = MachineTypeCatalog.load(
            directory: typesDirectory,
            strictModes: (try? MachineTypeSettings.configuredStrictModes(environment: environment)) ?? StrictModes())
        for error in descriptionErrors {
            findings.append(Finding(ok: false, subject: "machine type \(error.file)", detail: error.description))
        }
        for name in catalog.defined.keys.sorted() {
            findings.append(Finding(ok: true, subject: "machine type \(name)", detail: "described in \(catalog.defined[name]!.file)"))
        }
        check("type map \(mapPath)") {
            let map = try CNCTypeMap.load(path: mapPath, catalog: catalog)
            let counts = Dictionary(grouping: map.typeByCNCID.values, by: { $0 }).mapValues(\.count)
            return "\(map.typeByCNCID.count) machines; " + counts.keys.sorted().map { "\($0) \(counts[$0]!)" }.joined(separator: ", ")
        }
        check("endpoints") {
            let endpoints = try StageEndpoints.resolve(environment: environment)
            let connected = [endpoints.router, endpoints.sink, endpoints.acknowledgements]
            let bound = [endpoints.routerListen, endpoints.sinkListen, endpoints.acknowledgementsListen]
            for (lists, binding) in [(connected, false), (bound, true)] {
                for list in lists {
                    try StageEndpoints.check(list)
                    for endpoint in list { _ = try endpoints.security.review(endpoint, binding: binding) }
                }
            }
            return
                "router \(endpoints.router.joined(separator: ",")), sink \(endpoints.sink.joined(separator: ",")), acknowledgements "
                + "\(endpoints.acknowledgements.joined(separator: ","))"
        }
        check(BrokerSettings.url.description.variable) {
            "\(try Settings.broker(nil, environment: environment))"
        }
        check(IngestSettings.journalDirectory.description.variable) {
            guard let directory = environment[IngestSettings.journalDirectory.description.variable] else {
                return "unset: ingest uses \(IngestSettings.journalDirectory.description.defaultText)"
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
            check(DatabaseSettings.url.description.variable) {
                let connection = try PostgresConnection(conninfo: DatabaseSettings.conninfo(nil, environment: environment))
                return "connected: \(connection.serverDescription)"
            }
        }
        return findings
    }
}
