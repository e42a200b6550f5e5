import CNCPlugins
import CollectorCore
import Foundation
import Logging
import SystemCalls

/// A machine type served by a separate program, in any language, over the external plugin
/// protocol (docs/external-plugins.md): one JSON document per line on its standard input and
/// output, one answer per message, in order.
///
/// The program is started on first use and again whenever it dies, hangs or breaks the
/// protocol; the message it was mapping is then sent to the new one. A message on which it
/// fails `attemptsPerMessage` times is refused with the reason, so one poison message cannot
/// stop a type. A program that does not start, or does not greet, makes the type unavailable
/// rather than refusing messages: the worker holds them and tries again. Answers come before
/// the worker hands anything on, so a crash loses nothing and stores nothing twice.
///
/// `@unchecked Sendable`: a worker, or mesctl, uses one from a single thread.
public final class ExternalPlugin: MachineTypeMapper, @unchecked Sendable {
    /// The protocol version this build speaks: a program's first line must announce it (`{"protocol":1}`).
    public static let protocolVersion = 1
    /// Attempts on one message, each after a failure with a restarted program, before the message is refused.
    static let attemptsPerMessage = 3
    /// How long, in ms, the program may take to greet once started, and to take a message and answer it.
    static let answerTimeoutMilliseconds: Int32 = 10_000
    /// An answer line longer than this is a broken program, not an answer.
    static let maxLineBytes = 16 << 20

    /// The program this runs, as its definition gives it.
    public let plugin: ExternalPluginDescription
    private var process: Process?
    /// The program's standard input and output, held for as long as it runs: their handles own the descriptors.
    private var requests: Pipe?
    private var answers: Pipe?
    private var input: Int32 { requests?.fileHandleForWriting.fileDescriptor ?? -1 }
    private var output: Int32 { answers?.fileHandleForReading.fileDescriptor ?? -1 }
    private var received: [UInt8] = []
    private let logger = Logger(label: "external-plugin")

    /// Starts nothing: the program is started on the first message. Ignores SIGPIPE for the whole process, so that a
    /// write to a program that has died fails instead of ending this one.
    public init(_ plugin: ExternalPluginDescription) {
        self.plugin = plugin
        // A write to a program that has died must fail with EPIPE, not end the worker.
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { stop() }

    /// Has the program map the message, restarting it as described above. Blocks until it answers: up to 10 s for a new
    /// program's greeting and 10 s for each answer, over at most 3 attempts. Throws its refusal, a refusal after 3 failed
    /// attempts, or `PluginRejection.unavailable` when it does not start, does not greet or is refused (`StrictModes`).
    public func machineState(for message: CNCMessage, payload: JSONObject) throws(PluginRejection) -> MachineState {
        let request = Array((Self.request(message, payload: payload).serialized() + "\n").utf8)
        var failure = ""
        for attempt in 1...Self.attemptsPerMessage {
            do throws(Failure) {
                if process == nil { try start() }
                let deadline = Date().addingTimeInterval(Double(Self.answerTimeoutMilliseconds) / 1_000)
                try write(request, before: deadline)
                return try Self.state(from: try readLine(before: deadline), id: message.id.description)
            } catch {
                switch error {
                case .refused(let reason): throw PluginRejection(reason)
                case .unavailable(let reason):
                    stop()
                    throw PluginRejection.unavailable("external plugin \(plugin.name): \(reason)")
                case .broken(let reason):
                    failure = reason
                    logger.warning(
                        "external plugin failed; restarting it",
                        metadata: ["cnc_type": "\(plugin.name)", "error": "\(reason)", "attempt": "\(attempt)"])
                    stop()
                }
            }
        }
        throw PluginRejection("external plugin failed \(Self.attemptsPerMessage) times on this message, last: \(failure)")
    }

    /// Why an exchange with the program did not give a state.
    enum Failure: Error {
        /// The program answered with a refusal, or with an answer that is no state: the message is refused.
        case refused(String)
        /// The program died, hung or broke the protocol: it is restarted.
        case broken(String)
        /// The program does not start or does not greet: the type is unavailable.
        case unavailable(String)
    }

    // MARK: - The program

    private func start() throws(Failure) {
        // Checked at every start: the files may have changed since the description was read.
        if let problem = plugin.strictModesProblem { throw .unavailable(problem) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = plugin.command
        process.currentDirectoryURL = URL(fileURLWithPath: plugin.directory)
        let toProgram = Pipe(), fromProgram = Pipe()
        process.standardInput = toProgram
        process.standardOutput = fromProgram
        do {
            try process.run()
        } catch {
            throw .unavailable("cannot start \(plugin.command.joined(separator: " ")): \(error)")
        }
        self.process = process
        (requests, answers, received) = (toProgram, fromProgram, [])
        // Writes wait in poll, against the answer's deadline, never in write itself.
        _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK)
        let hello: [UInt8]
        do throws(Failure) {
            hello = try readLine(before: Date().addingTimeInterval(Double(Self.answerTimeoutMilliseconds) / 1_000))
        } catch {
            if case .broken(let reason) = error { throw .unavailable("no first line: \(reason)") }
            throw error
        }
        guard case .object(let object) = try? JSONParser.parse(hello), object["protocol"] == .number(Double(Self.protocolVersion)) else {
            throw .unavailable(
                "its first line must be {\"protocol\":\(Self.protocolVersion)}, got \(String(decoding: hello.prefix(200), as: UTF8.self))")
        }
        logger.info("external plugin started", metadata: ["cnc_type": "\(plugin.name)", "pid": "\(process.processIdentifier)"])
    }

    private func stop() {
        guard let process else { return }
        try? requests?.fileHandleForWriting.close()
        if process.isRunning {
            // Its input closed, a well-behaved program ends by itself.
            for _ in 0..<20 where process.isRunning { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        try? answers?.fileHandleForReading.close()
        (self.process, requests, answers) = (nil, nil, nil)
    }

    private func write(_ bytes: [UInt8], before deadline: Date) throws(Failure) {
        var offset = 0
        while offset < bytes.count {
            var poller = pollfd(fd: input, events: Int16(POLLOUT), revents: 0)
            guard retryingInterrupted({ poll(&poller, 1, Self.milliseconds(until: deadline)) }) > 0 else {
                throw .broken("it takes no input within \(Self.answerTimeoutMilliseconds) ms")
            }
            let written = retryingInterrupted { bytes[offset...].withUnsafeBytes { Foundation.write(input, $0.baseAddress, $0.count) } }
            if written < 0 && errno == EAGAIN { continue }
            guard written > 0 else { throw .broken("cannot write to it: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    private static func milliseconds(until deadline: Date) -> Int32 {
        Int32(max(0, min(Double(Int32.max), deadline.timeIntervalSinceNow * 1_000)))
    }

    private func readLine(before deadline: Date) throws(Failure) -> [UInt8] {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let newline = received.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(received[..<newline])
                received.removeSubrange(...newline)
                return line
            }
            guard received.count <= Self.maxLineBytes else { throw .broken("a line longer than \(Self.maxLineBytes) bytes") }
            var poller = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            guard retryingInterrupted({ poll(&poller, 1, Self.milliseconds(until: deadline)) }) > 0 else {
                throw .broken("no answer within \(Self.answerTimeoutMilliseconds) ms")
            }
            let count = retryingInterrupted { chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) } }
            guard count > 0 else { throw .broken(count == 0 ? "it exited" : "cannot read from it: \(String(cString: strerror(errno)))") }
            received += chunk[..<count]
        }
    }

    // MARK: - The protocol

    /// One message as the program gets it.
    static func request(_ message: CNCMessage, payload: JSONObject) -> JSONValue {
        .object(
            JSONObject(members: [
                .init(key: "id", value: .string(message.id.description)),
                .init(key: "cnc_id", value: .string(message.cncID)),
                .init(key: "part_program", value: message.partProgram.map(JSONValue.string) ?? .null),
                .init(key: "timestamp", value: .number(Double(message.timestamp) / 1_000_000)),
                .init(key: "topic", value: .string(message.topic)),
                .init(key: "payload", value: .object(payload)),
            ]))
    }

    /// The state of an answer line, or why there is none.
    static func state(from line: [UInt8], id: String) throws(Failure) -> MachineState {
        guard case .object(let answer) = try? JSONParser.parse(line) else {
            throw .broken("an answer that is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
        }
        guard answer["id"] == .string(id) else { throw .broken("an answer for another message: \(answer["id"]?.serialized() ?? "no id")") }
        if case .string(let reason)? = answer["reject"] { throw .refused(reason) }
        guard case .object(let state)? = answer["state"] else { throw .refused("external plugin: an answer with neither state nor reject") }
        return try machineState(state)
    }

    private static func machineState(_ object: JSONObject) throws(Failure) -> MachineState {
        guard case .string(let name)? = object["status"], let status = MachineState.Status(rawValue: name) else {
            throw .refused("external plugin: state.status must be one of \(MachineState.Status.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var state = MachineState(status: status)
        for member in object.members {
            let key = member.key, value = member.value
            if value == .null || key == "status" { continue }
            if let field = StateField(rawValue: key) {
                switch (field.number, field.text, value) {
                case (let property?, _, .number(let number)): state[keyPath: property] = number
                case (_, let property?, .string(let text)): state[keyPath: property] = text
                case (nil, nil, .number(let number)):
                    // A count beyond what the column holds is kept in the marks, as every type keeps it.
                    if let count = Int64(exactly: number) { state.partCount = count } else { state.quality.append("range:part_count") }
                default: throw .refused("external plugin: state.\(key) has the wrong type, \(value.typeName)")
                }
                continue
            }
            switch (key, value) {
            case ("extra", .object(let extra)): state.extra = extra
            case ("quality", .array(let items)): state.quality = try strings(items, key) + state.quality
            case ("unknown_variables", .array(let items)): state.unknownVariables = try strings(items, key)
            default: throw .refused("external plugin: state.\(key) is not a field of machine_state")
            }
        }
        return state
    }

    private static func strings(_ items: [JSONValue], _ key: String) throws(Failure) -> [String] {
        var strings: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw .refused("external plugin: state.\(key) must hold texts") }
            strings.append(text)
        }
        return strings
    }
}
