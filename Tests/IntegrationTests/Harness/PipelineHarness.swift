import Foundation

/// Runs the real pipeline (sink, router, workers, ingest) against the test broker and a test
/// database, on a topic, session and runtime directory of its own.
final class PipelineHarness {
    let database: TestDatabase
    let directory: String
    let topic: String
    let clientID: String
    let mapPath: String
    /// A copy of deploy/types that a test may add descriptions to.
    let typesDirectory: String
    private(set) var stages: [String: StageProcess] = [:]
    /// How each stage was started, so that it can be started again after a kill.
    private var commands: [String: (executable: String, arguments: [String])] = [:]
    private var generation = 0
    /// Overrides for the stages' environment (a private broker, MQTT 5, credentials...).
    var overrides: [String: String] = [:]

    init() throws {
        database = try TestDatabase()
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        directory = "\(TestEnvironment.runtimeBase)/\(tag)"
        // The stages refuse a runtime directory that others can reach.
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        topic = "test/\(tag)/CNC"
        clientID = "cnc-ingest-test-\(tag)"
        mapPath = "\(directory)/cnc_types.json"
        try FileManager.default.copyItem(atPath: "\(TestEnvironment.packageDirectory)/deploy/cnc_types.json", toPath: mapPath)
        typesDirectory = "\(directory)/types"
        try FileManager.default.copyItem(atPath: "\(TestEnvironment.packageDirectory)/deploy/types", toPath: typesDirectory)
    }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["MQTT_URL"] = TestEnvironment.mqttURL
        environment["MQTT_TOPIC"] = topic
        environment["MQTT_CLIENT_ID"] = clientID
        environment["DATABASE_URL"] = database.url
        environment["MES_RUNTIME_DIR"] = directory
        environment["MES_JOURNAL_DIR"] = "\(directory)/journal"
        environment["MES_CNC_TYPES"] = mapPath
        environment["MES_TYPES_DIR"] = typesDirectory
        environment["MES_MIGRATIONS_DIR"] = "\(TestEnvironment.packageDirectory)/migrations"
        environment["MES_LOG_LEVEL"] = "info"
        // Fixed default ports would clash between pipelines; a test that scrapes sets its own.
        environment["MES_METRICS_LISTEN"] = "off"
        environment.merge(overrides) { _, override in override }
        return environment
    }

    /// Starts one stage under `name` (the log file is `name-GENERATION.log`).
    @discardableResult
    func start(_ name: String, _ executable: String, _ arguments: [String] = [], launcher: [String] = []) throws -> StageProcess {
        generation += 1
        let stage = try StageProcess(
            executable: executable, arguments: arguments, name: "\(name)-\(generation)", environment: environment, logDirectory: directory,
            launcher: launcher)
        stages[name] = stage
        commands[name] = (executable, arguments)
        return stage
    }

    /// SIGKILL to one stage: whatever it held in memory and in its sockets' queues is gone.
    func kill(_ name: String) throws {
        guard let stage = stages.removeValue(forKey: name) else { throw HarnessError("no stage \(name)") }
        stage.signal(SIGKILL)
        guard stage.waitForExit(seconds: 10) != nil else { throw HarnessError("\(name) survived SIGKILL") }
    }

    /// Starts a stage again as it was first started.
    @discardableResult
    func restart(_ name: String) throws -> StageProcess {
        guard let command = commands[name] else { throw HarnessError("no stage \(name)") }
        return try start(name, command.executable, command.arguments)
    }

    /// The whole pipeline, two workers per type (the sink unless one runs already); returns once
    /// ingest has subscribed.
    func startPipeline(sink: Bool = true) throws {
        if sink { try start("sink", "sink") }
        try start("router", "router")
        try start("worker-a1", "worker", ["--type", "CNCTypeA"])
        try start("worker-a2", "worker", ["--type", "CNCTypeA"])
        try start("worker-b1", "worker", ["--type", "CNCTypeB"])
        try start("worker-b2", "worker", ["--type", "CNCTypeB"])
        try startIngest()
    }

    func startIngest(_ arguments: [String] = []) throws {
        let ingest = try start("ingest", "ingest", arguments)
        guard ingest.waitForLog("connected and subscribed") else {
            throw HarnessError("ingest did not subscribe:\n\(logs())")
        }
    }

    /// SIGTERM to every stage at once; returns the stages that did not exit cleanly.
    @discardableResult
    func stopAll(seconds: Double = 40) -> [String] {
        for stage in stages.values { stage.signal(SIGTERM) }
        var failed: [String] = []
        for (name, stage) in stages where stage.waitForExit(seconds: seconds) != 0 {
            failed.append(name)
        }
        stages.removeAll()
        return failed
    }

    /// Publishes lines with the real emulator (given `arguments` too, `--rate` say) and waits
    /// until the broker acknowledged them.
    func publish(lines: [[UInt8]], arguments: [String] = []) throws {
        let file = "\(directory)/lines-\(UInt32.random(in: 0...UInt32.max)).json"
        var data = [UInt8]()
        for line in lines { data += line + [UInt8(ascii: "\n")] }
        FileManager.default.createFile(atPath: file, contents: Data(data))
        try emulator(["--file", file] + arguments)
    }

    func publish(_ lines: [String], arguments: [String] = []) throws {
        try publish(lines: lines.map { Array($0.utf8) }, arguments: arguments)
    }

    /// Runs `cnc-emulator` with `arguments` to completion.
    func emulator(_ arguments: [String]) throws {
        try waitForEmulator(startEmulator(arguments))
    }

    /// Starts `cnc-emulator` with `arguments` and returns while it publishes.
    func startEmulator(_ arguments: [String]) throws -> StageProcess {
        generation += 1
        return try StageProcess(
            executable: "cnc-emulator", arguments: ["--topic", topic] + arguments, name: "emulator-\(generation)", environment: environment,
            logDirectory: directory)
    }

    func waitForEmulator(_ emulator: StageProcess) throws {
        guard let status = emulator.waitForExit(seconds: 120), status == 0 else {
            throw HarnessError("emulator failed:\n\(emulator.log)")
        }
    }

    func logs() -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".log") }.sorted() ?? []
        return names.map { name in
            "--- \(name)\n" + ((try? String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8)) ?? "")
        }.joined(separator: "\n")
    }

    deinit {
        stopAll(seconds: 10)
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
