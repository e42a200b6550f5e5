import CollectorCore
import Foundation
import Testing

/// Hostile messages through the real processes, broker and database, mixed with numbered valid
/// ones. Rows are matched by content (a number in `part_program`, the raw bytes), never by
/// `message_id`, whose form may change.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct HostileInputTests {
    /// What must become of one hostile message.
    enum Outcome {
        /// A row in `rejected_messages` from `stage` whose reason contains `reason`; `raw` is
        /// what is stored (a message over the limit keeps its first bytes).
        case rejected(stage: String, reason: String, raw: [UInt8]? = nil)
        /// Valid after all: stored verbatim, found by its `part_program`.
        case stored
    }

    struct Hostile {
        var bytes: [UInt8]
        var outcome: Outcome
        /// Published to a subtopic of the test's topic when set.
        var subtopic: String?

        init(_ bytes: [UInt8], _ outcome: Outcome, subtopic: String? = nil) {
            self.bytes = bytes
            self.outcome = outcome
            self.subtopic = subtopic
        }

        init(_ text: String, _ outcome: Outcome, subtopic: String? = nil) {
            self.init(Array(text.utf8), outcome, subtopic: subtopic)
        }
    }

    static let injection = #"'); DROP TABLE cnc_data; DELETE FROM rejected_messages WHERE ('1'='1"#
    /// The same text as a JSON string literal, and other SQL-meaningful text.
    static let injectionJSON = JSONValue.string(injection).serialized()
    static let quoting = JSONValue.string(#"$$; TRUNCATE machine_state; $$ E'\x27' \"x\" -- /* */ \\ ;"#).serialized()

    /// A valid message for machine `machine` (odd: CNCTypeA, even: CNCTypeB) that any plugin stores.
    static func valid(_ number: Int, machine: Int, partProgram: String? = nil, payload: String? = nil, extra: String = "") -> String {
        let program = partProgram ?? JSONValue.string("valid-\(number)").serialized()
        let variables = payload ?? #"{"status":"idle","spin":\#(number % 100),"X-Axis":1,"Y-Axis":2}"#
        let id = "CNC" + String(repeating: "0", count: 3 - String(machine).count) + String(machine)
        return #"{"cnc_id":"\#(id)","part_program":\#(program),"timestamp":"\#(1_747_379_028 + number)",\#(extra)"payload":\#(variables)}"#
    }

    /// Hostile messages, each to be sent between two valid ones.
    static func hostile() -> [Hostile] {
        let head = #"{"cnc_id":"CNC001","part_program":"p","timestamp":"1747379028","payload":"#
        let huge = head + #"{"status":"idle","blob":""# + String(repeating: "x", count: 2_000_000) + #""}}"#
        return [
            Hostile(
                huge,
                .rejected(stage: "ingest", reason: "message too large: \(huge.utf8.count) bytes, limit 65536", raw: Array(huge.utf8.prefix(65_536)))),
            Hostile(
                head + String(repeating: "[", count: 20_000) + String(repeating: "]", count: 20_000) + "}",
                .rejected(stage: "ingest", reason: "nesting deeper than 16 levels")),
            Hostile(
                head + String(repeating: #"{"a":"#, count: 5_000) + "1" + String(repeating: "}", count: 5_001),
                .rejected(stage: "ingest", reason: "nesting deeper than 16 levels")),
            Hostile(
                Array(head.utf8) + [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D, 0x7D], .rejected(stage: "ingest", reason: "invalid UTF-8 at byte")
            ),
            Hostile(
                Array(head.utf8) + [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D, 0x7D],
                .rejected(stage: "ingest", reason: "invalid UTF-8 at byte")),
            Hostile([0xFF, 0xFE] + Array(head.utf8) + Array("{}}".utf8), .rejected(stage: "ingest", reason: "invalid UTF-8 at byte 0")),
            Hostile(
                Array(head.utf8) + [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xE2, 0x82, 0x22, 0x7D, 0x7D],
                .rejected(stage: "ingest", reason: "invalid UTF-8 at byte")),
            Hostile(
                Array(head.utf8) + Array(#"{"a":"x"#.utf8) + [0x00] + Array(#"y"}}"#.utf8), .rejected(stage: "ingest", reason: "NUL byte in string")),
            Hostile(Array(valid(9_001, machine: 1).utf8) + [0x00], .rejected(stage: "ingest", reason: "unexpected data after the JSON value")),
            Hostile([0x00] + Array(valid(9_002, machine: 1).utf8), .rejected(stage: "ingest", reason: "not a JSON object")),
            Hostile(head + #"{"a":"\u0000"}}"#, .rejected(stage: "ingest", reason: #"\u0000 is not allowed"#)),
            Hostile(head + #"{"a":"\ud800"}}"#, .rejected(stage: "ingest", reason: "unpaired surrogate escape")),
            Hostile(head + #"{"a":"\udc00\ud800"}}"#, .rejected(stage: "ingest", reason: "unpaired surrogate escape")),
            // SQL in every field: refused where the contract or the plugin says so, stored as text otherwise.
            Hostile(
                #"{"cnc_id":"CNC001'; DROP TABLE cnc_data; --","part_program":"p","timestamp":"1","payload":{}}"#,
                .rejected(stage: "ingest", reason: #"field "cnc_id" has characters outside"#)),
            Hostile(
                #"{"cnc_id":\#(injectionJSON),"part_program":"p","timestamp":"1","payload":{}}"#,
                .rejected(stage: "ingest", reason: #"field "cnc_id" longer than 64 bytes"#)),
            Hostile(
                #"{"cnc_id":"CNC001","part_program":"p","timestamp":\#(injectionJSON),"payload":{}}"#,
                .rejected(stage: "ingest", reason: #"field "timestamp" must be Unix seconds"#)),
            Hostile(
                #"{"cnc_id":"CNC001","part_program":"p","timestamp":"1","payload":\#(injectionJSON)}"#,
                .rejected(stage: "ingest", reason: #"field "payload" must be an object, not string"#)),
            Hostile(
                #"{"cnc_id":"DROP_TABLE--cnc_data","part_program":"p","timestamp":"1","payload":{}}"#,
                .rejected(stage: "router", reason: #"unknown cnc_id "DROP_TABLE--cnc_data""#)),
            // An unknown variable named in SQL, a status that is SQL: stored, marked, never executed.
            Hostile(
                valid(
                    9_003, machine: 1, partProgram: #""hostile-9003""#,
                    payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":2,\#(injectionJSON):1}"#),
                .stored),
            Hostile(
                valid(9_004, machine: 2, partProgram: #""hostile-9004""#, payload: #"{"status":\#(injectionJSON),"spin":1,"X-Axis":1,"Y-Axis":2}"#),
                .stored),
            Hostile(
                valid(9_012, machine: 2, payload: #"{"status":"idle","spin":1,"X-Axis":1,"Y-Axis":\#(injectionJSON)}"#),
                .rejected(stage: "worker", reason: #"CNCTypeB: variable "Y-Axis" must be a number, not string"#)),
            Hostile(valid(9_005, machine: 1, partProgram: injectionJSON), .stored),
            Hostile(valid(9_006, machine: 2, partProgram: quoting), .stored),
            Hostile(
                valid(
                    9_007, machine: 2, partProgram: #""hostile-9007""#,
                    payload: #"{"status":"ALARM","spin":0,"X-Axis":1,"Y-Axis":2,"alarm":"'); DROP TABLE x;--",\#(injectionJSON):\#(quoting)}"#),
                .stored),
            Hostile(valid(9_008, machine: 3, partProgram: #""hostile-9008""#, extra: #"\#(injectionJSON):\#(injectionJSON),"#), .stored),
            Hostile(valid(9_009, machine: 4, partProgram: #""hostile-9009""#), .stored, subtopic: "'; DROP TABLE cnc_data; --"),
            Hostile(valid(9_010, machine: 5, partProgram: #""hostile-9010""#), .stored, subtopic: #"$$ \x27 "quoted" é"#),
            Hostile(valid(9_011, machine: 999, partProgram: #""hostile-9011""#), .rejected(stage: "router", reason: #"unknown cnc_id "CNC999""#)),
        ]
    }

    /// A flood of invalid messages, to be sent in a row, each different, in five ways.
    static func flood() -> [Hostile] {
        (0..<3_000).map { number -> Hostile in
            let text: String
            let outcome: Outcome
            switch number % 5 {
            case 0: (text, outcome) = ("flood \(number) is not JSON", .rejected(stage: "ingest", reason: "not a JSON object"))
            case 1: (text, outcome) = (String(valid(number, machine: 1).dropLast(3)), .rejected(stage: "ingest", reason: "unexpected end of input"))
            case 2:
                (text, outcome) = (
                    valid(number, machine: 1).replacingOccurrences(of: #""timestamp":""#, with: #""timestamp":true,"x":""#),
                    .rejected(stage: "ingest", reason: #"field "timestamp" must be a string or a number, not boolean"#)
                )
            case 3: (text, outcome) = (valid(number, machine: 600 + number % 300), .rejected(stage: "router", reason: "unknown cnc_id"))
            default:
                (text, outcome) = (
                    valid(number, machine: 2, payload: #"{"status":"running","spin":"0 rpm","X-Axis":1,"Y-Axis":2}"#),
                    .rejected(stage: "worker", reason: #"CNCTypeB: variable "spin" must be a number, not string"#)
                )
            }
            return Hostile(text.replacingOccurrences(of: "valid-", with: "flood-"), outcome)
        }
    }

    @Test(
        "hostile input among valid messages: each valid one stored once, each hostile one refused with a reason or stored verbatim, database intact"
    )
    func hostileCorpus() throws {
        let pipeline = try PipelineHarness()
        // Everything below the test's topic, so that a topic can carry hostile text too.
        pipeline.overrides["MQTT_TOPIC"] = pipeline.topic + "/#"
        pipeline.overrides["MES_LOG_FORMAT"] = "json"
        try pipeline.startPipeline()

        let singles = Self.hostile(), flood = Self.flood()
        let hostile = singles + flood
        var lines: [[UInt8]] = []
        var validCount = 0
        func addValid(_ count: Int) {
            for _ in 0..<count {
                lines.append(Array(Self.valid(validCount, machine: validCount % 20 + 1).utf8))
                validCount += 1
            }
        }
        for item in singles where item.subtopic == nil {
            addValid(1)
            lines.append(item.bytes)
        }
        addValid(100)
        lines += flood.map(\.bytes)
        addValid(100)
        try pipeline.publish(lines: lines)
        for item in hostile {
            guard let subtopic = item.subtopic else { continue }
            let file = "\(pipeline.directory)/subtopic.json"
            FileManager.default.createFile(atPath: file, contents: Data(item.bytes))
            try pipeline.emulator(["--topic", "\(pipeline.topic)/\(subtopic)", "--file", file])
        }

        let stored = hostile.filter { if case .stored = $0.outcome { true } else { false } }
        let rejected = hostile.count - stored.count
        let database = pipeline.database
        let storedRows = try database.waitForCount("SELECT count(*) FROM cnc_data", toReach: validCount + stored.count)
        let rejectedRows = try database.waitForCount("SELECT count(*) FROM rejected_messages", toReach: rejected)
        #expect(storedRows == validCount + stored.count, "\(pipeline.logs().suffix(20_000))")
        #expect(rejectedRows == rejected)
        // Nothing more arrives later.
        #expect(
            try database.waitForStableCount("SELECT (SELECT count(*) FROM cnc_data) + (SELECT count(*) FROM rejected_messages)", quietSeconds: 1)
                == validCount + stored.count + rejected)

        // The database is intact: every table there, the counts exact.
        #expect(
            try database.count(
                """
                SELECT count(*) FROM pg_tables WHERE schemaname = 'public'
                AND tablename IN ('cnc_data', 'machine_state', 'rejected_messages', 'schema_migrations')
                """) == 4)
        #expect(try database.count("SELECT count(*) FROM machine_state") == validCount + stored.count)
        #expect(try database.count("SELECT count(*) FROM cnc_data JOIN machine_state USING (message_id)") == validCount + stored.count)

        // Every valid message once, found by its number.
        #expect(try database.count("SELECT count(*) FROM cnc_data WHERE part_program LIKE 'valid-%'") == validCount)
        #expect(try database.count("SELECT count(DISTINCT part_program) FROM cnc_data WHERE part_program LIKE 'valid-%'") == validCount)
        #expect(try database.count("SELECT count(*) FROM machine_state WHERE part_program LIKE 'valid-%'") == validCount)

        try expectStoredVerbatim(stored, pipeline: pipeline)
        try expectRejections(hostile, pipeline: pipeline)
        try expectRejectionLogAccounts(pipeline: pipeline)
        #expect(pipeline.stopAll().isEmpty, "\(pipeline.logs().suffix(20_000))")
    }

    /// ingest's log names every rejection it made: one line each, or counted in a summary line
    /// that comes once the rate window is over, with no further rejection needed to bring it.
    private func expectRejectionLogAccounts(pipeline: PipelineHarness) throws {
        let rejectedAtIngest = try pipeline.database.count("SELECT count(*) FROM rejected_messages WHERE stage = 'ingest'")
        var logged = 0, omitted = 0
        let deadline = Date().addingTimeInterval(5)
        repeat {
            logged = 0
            omitted = 0
            for line in pipeline.stages["ingest"]?.log.split(separator: "\n") ?? [] {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                    let message = object["message"] as? String
                else { continue }
                let metadata = object["metadata"] as? [String: Any] ?? [:]
                if message == "rejected" {
                    logged += 1
                } else if message == "rejections not logged: more than the log rate limit" {
                    omitted += Int(metadata["omitted"] as? String ?? "") ?? 0
                }
            }
            if logged + omitted == rejectedAtIngest { break }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        #expect(omitted > 0, "the flood should exceed the log rate limit")
        #expect(logged + omitted == rejectedAtIngest, "\(logged) rejection lines and \(omitted) left out, for \(rejectedAtIngest) rejections")
    }

    /// The hostile messages that are valid: stored once, with their text exactly as sent.
    private func expectStoredVerbatim(_ stored: [Hostile], pipeline: PipelineHarness) throws {
        let rows = try pipeline.database.rows(
            """
            SELECT d.cnc_id, d.part_program, d.topic, d.payload::text, s.alarm_code
            FROM cnc_data d JOIN machine_state s USING (message_id) WHERE d.part_program NOT LIKE 'valid-%'
            """)
        #expect(rows.count == stored.count)
        for item in stored {
            guard case .object(let message) = try JSONParser.parse(item.bytes),
                case .string(let cncID)? = message["cnc_id"], case .string(let partProgram)? = message["part_program"],
                case .object(let payload)? = message["payload"]
            else {
                Issue.record("not a message: \(String(decoding: item.bytes, as: UTF8.self))")
                continue
            }
            let matches = rows.filter { $0[1] == partProgram }
            #expect(matches.count == 1, "\(matches.count) rows for part_program \(partProgram)")
            guard let row = matches.first else { continue }
            #expect(row[0] == cncID)
            #expect(row[2] == pipeline.topic + (item.subtopic.map { "/" + $0 } ?? ""))
            // jsonb orders members its own way: compare them as sets.
            guard case .object(let storedPayload) = try JSONParser.parse(Array((row[3] ?? "").utf8)) else {
                Issue.record("payload of \(partProgram) is not an object")
                continue
            }
            #expect(
                Dictionary(uniqueKeysWithValues: storedPayload.members.map { ($0.key, $0.value) })
                    == Dictionary(uniqueKeysWithValues: payload.members.map { ($0.key, $0.value) }))
            if case .string(let alarm)? = payload["alarm"] {
                #expect(row[4] == alarm)
            }
        }
    }

    /// Every rejection matches one hostile message by its stored bytes, from the right stage,
    /// with the right reason; none is left over.
    private func expectRejections(_ hostile: [Hostile], pipeline: PipelineHarness) throws {
        var rows: [String: [(stage: String, reason: String)]] = [:]
        for row in try pipeline.database.rows("SELECT encode(raw, 'hex'), stage, reason FROM rejected_messages") {
            rows[row[0] ?? "", default: []].append((row[1] ?? "", row[2] ?? ""))
        }
        #expect(try pipeline.database.count("SELECT count(*) FROM rejected_messages WHERE reason = '' OR reason IS NULL") == 0)
        var missing: [String] = []
        for item in hostile {
            guard case .rejected(let stage, let reason, let raw) = item.outcome else { continue }
            let hex = (raw ?? item.bytes).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            if let index = rows[hex]?.firstIndex(where: { $0.stage == stage && $0.reason.contains(reason) }) {
                rows[hex]!.remove(at: index)
            } else {
                missing.append("\(stage) \"\(reason)\" for \(String(decoding: item.bytes.prefix(120), as: UTF8.self)); found \(rows[hex] ?? [])")
            }
        }
        #expect(missing.isEmpty, "\(missing.count) hostile messages without their rejection: \(missing.prefix(10))")
        let extra = rows.values.flatMap { $0 }
        #expect(extra.isEmpty, "rejections no hostile message explains: \(extra.prefix(10))")
    }
}
