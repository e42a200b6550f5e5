import Foundation
import LibPQ
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The shop-floor board (docs/board.md) over a running pipeline: its API against the database,
/// its event stream, its role that can only read, and its pages in headless Chromium.
@Suite(.serialized, .enabled(if: TestEnvironment.isAvailable, "needs TEST_MQTT_URL and TEST_DATABASE_URL (scripts/test.sh sets them)"))
struct BoardTests {
    static let shifts = "early=06:00-14:00,late=14:00-22:00,night=22:00-06:00"

    /// A login role of the test cluster that is a member of cnc_reader, made by migration 011
    /// once the sink has migrated; the pipeline's database URL with it.
    static func readerURL(_ pipeline: PipelineHarness) throws -> String {
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM pg_roles WHERE rolname = 'cnc_reader'", toReach: 1)
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM pg_proc WHERE proname = 'machine_availability_periods'", toReach: 1)
        _ = try pipeline.database.connect().execute(
            """
            DO $$ BEGIN
                CREATE ROLE cnc_board_test LOGIN IN ROLE cnc_reader;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$
            """)
        return pipeline.database.url.replacingOccurrences(of: "//postgres@", with: "//cnc_board_test@")
    }

    /// Starts the board (under `name`) on `port` (0: a free one) with the reader role and
    /// `settings`; returns its base URL.
    static func startBoard(_ pipeline: PipelineHarness, name: String = "board", port: Int = 0, settings: [String: String] = [:]) throws -> String {
        pipeline.overrides["MES_BOARD_DATABASE_URL"] = try readerURL(pipeline)
        pipeline.overrides["MES_BOARD_LISTEN"] = "127.0.0.1:\(port)"
        pipeline.overrides["MES_SHIFTS"] = shifts
        pipeline.overrides["MES_PLANT_TIME_ZONE"] = "Europe/Berlin"
        pipeline.overrides.merge(settings) { $1 }
        let board = try pipeline.start(name, "board")
        guard board.waitForLog("board listening"), let match = board.log.firstMatch(of: /url=(http:\/\/127\.0\.0\.1:\d+)\//) else {
            throw HarnessError("the board did not start:\n\(pipeline.logs())")
        }
        let url = String(match.1)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, (try? get(url + "/health").status) != 200 { Thread.sleep(forTimeInterval: 0.1) }
        return url
    }

    /// The status, the body and one header (Content-Type by default) of `GET url`.
    static func get(_ url: String, headers: [String: String] = [:], reading header: String = "Content-Type") throws -> (
        status: Int, body: String, contentType: String?
    ) {
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var answer: (Int, String, String?)?
        nonisolated(unsafe) var failure: (any Error)?
        var request = URLRequest(url: URL(string: url)!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error { failure = error }
            let http = response as? HTTPURLResponse
            answer = (http?.statusCode ?? 0, String(decoding: data ?? Data(), as: UTF8.self), http?.value(forHTTPHeaderField: header))
            semaphore.signal()
        }.resume()
        semaphore.wait()
        if let failure { throw failure }
        return answer!
    }

    static func json(_ url: String) throws -> [String: Any] {
        let answer = try get(url)
        guard answer.status == 200, let object = try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any] else {
            throw HarnessError("GET \(url): \(answer.status) \(answer.body)")
        }
        return object
    }

    /// Each machine's status as the board shows it: the open interval's, else its newest message's.
    static let currentStatusSQL = """
        SELECT m.cnc_id, coalesce(i.status, m.status) FROM machine_current m
        LEFT JOIN machine_status_intervals i ON i.cnc_id = m.cnc_id AND i.ended_at IS NULL ORDER BY m.cnc_id
        """

    /// Waits until the board's `/api/machines` shows the database's machines with their statuses.
    static func waitForBoard(_ url: String, _ pipeline: PipelineHarness, seconds: Double = 15) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        var machines: [[String: Any]] = []
        var expected: [String] = []
        repeat {
            expected = try pipeline.database.rows(currentStatusSQL).map { "\($0[0]!)=\($0[1]!)" }
            machines = try json(url + "/api/machines")["machines"] as? [[String: Any]] ?? []
            if machines.map({ "\($0["cnc_id"]!)=\($0["status"]!)" }).sorted() == expected { return machines }
            Thread.sleep(forTimeInterval: 0.2)
        } while Date() < deadline
        throw HarnessError("the board shows \(machines.map { "\($0["cnc_id"]!)=\($0["status"]!)" }), the database \(expected)")
    }

    /// Runs one of the Python programs beside this file; returns what it wrote to its output.
    /// Each line `STEP name` it prints is handed to `step`, and the program goes on when the line
    /// `DONE name` reaches its standard input.
    static func python(
        _ script: String, _ arguments: [String], _ pipeline: PipelineHarness, seconds: Double = 180, step: (String) throws -> Void = { _ in }
    ) throws -> [String: Any] {
        let output = "\(pipeline.directory)/\(script)-\(UInt32.random(in: 0...UInt32.max)).json"
        let log = "\(pipeline.directory)/\(script).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["\(TestEnvironment.packageDirectory)/Tests/IntegrationTests/Browser/\(script).py"] + arguments + ["--output", output]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardError = process.standardOutput
        let input = Pipe()
        process.standardInput = input
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        var stepsTaken = 0
        while process.isRunning && Date() < deadline {
            let steps = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.hasPrefix("STEP ") }
            for line in steps.dropFirst(stepsTaken) {
                let name = String(line.dropFirst("STEP ".count))
                try step(name)
                input.fileHandleForWriting.write(Data("DONE \(name)\n".utf8))
                stepsTaken += 1
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, let data = FileManager.default.contents(atPath: output),
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw HarnessError("\(script) failed (\(process.terminationStatus)):\n\(logText)\n\(pipeline.logs())") }
        return object
    }

    static func sampleLines() throws -> String {
        "\(TestEnvironment.packageDirectory)/sample_data/sample_data.json"
    }

    @Test("the API answers what the database holds, by a role that can only read; parameters are checked")
    func apiMatchesTheDatabase() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let metricsPort = try PrivateBroker.freePort()
        let url = try Self.startBoard(pipeline, settings: ["MES_METRICS_LISTEN": "127.0.0.1:\(metricsPort)"])
        // Alive and ready, as every stage says it on its metrics address, once it has read the database.
        #expect(try Self.get("http://127.0.0.1:\(metricsPort)/readyz").status == 200)
        #expect(try Self.get("http://127.0.0.1:\(metricsPort)/metrics").body.contains("board_refreshes_total"))
        try pipeline.emulator(["--file", try Self.sampleLines()])
        let stored = try pipeline.database.waitForStableCount("SELECT count(*) FROM machine_state")
        #expect(stored > 0)
        let machines = try Self.waitForBoard(url, pipeline)
        #expect(machines.count == (try pipeline.database.count("SELECT count(*) FROM machine_current")))
        // Lines from the type map's entries group the machines.
        #expect(machines.allSatisfy { ($0["line"] as? String)?.hasPrefix("Line ") == true }, "\(machines)")
        #expect(machines.map { $0["line"] as! String } == machines.map { $0["line"] as! String }.sorted())

        // A machine's program and part counter, and its timeline over the last day, as stored.
        let first = try #require(machines.first)
        let cncID = try #require(first["cnc_id"] as? String)
        let program = try pipeline.database.rows("SELECT part_program FROM machine_current WHERE cnc_id = '\(cncID)'")
        #expect((first["part_program"] as? String) == program.first?.first ?? nil)
        let from = "2025-01-01T00:00:00Z", to = "2025-01-31T00:00:00Z"
        let timeline = try Self.json("\(url)/api/machines/\(cncID)/intervals?from=\(from)&to=\(to)")
        let shown = (timeline["intervals"] as? [[String: Any]] ?? []).map { "\($0["status"]!) \($0["seconds"]!)" }
        let expected = try pipeline.database.rows(
            "SELECT status, seconds::text FROM machine_intervals_between('\(cncID)', '\(from)', '\(to)') ORDER BY started_at"
        ).map { "\($0[0]!) \(Double($0[1]!)!)" }
        #expect(shown == expected)

        // Availability by shift: the same periods and seconds as the SQL function, as JSON and CSV.
        let week = "from=2025-05-15T00:00:00Z&to=2025-05-18T00:00:00Z"
        let byShift = try Self.json("\(url)/api/availability?by=shift&\(week)")
        let periods = byShift["periods"] as? [[String: Any]] ?? []
        let sqlPeriods = try pipeline.database.rows(
            """
            SELECT a.cnc_id, w.shift, a.running_s::text FROM shift_windows('2025-05-15T00:00:00Z', '2025-05-18T00:00:00Z', 'Europe/Berlin',
                '{early,late,night}', '{06:00,14:00,22:00}', '{14:00,22:00,06:00}') w
            JOIN LATERAL machine_availability_periods(ARRAY[w.shift_start], ARRAY[w.shift_end]) a ON true ORDER BY a.cnc_id, w.shift_start
            """)
        #expect(!periods.isEmpty)
        #expect(
            periods.map { "\($0["cnc_id"]!) \($0["shift"]!) \((($0["seconds"] as! [String: Any])["running"] as! NSNumber).doubleValue)" }
                == sqlPeriods.map { "\($0[0]!) \($0[1]!) \(Double($0[2]!)!)" })
        let csv = try Self.get("\(url)/api/availability?by=shift&\(week)&format=csv")
        #expect(csv.contentType?.hasPrefix("text/csv") == true)
        #expect(csv.body.split(separator: "\r\n").count == periods.count + 1)

        // Checked parameters, never SQL: each is refused with its reason.
        #expect(try Self.get("\(url)/api/machines/\(cncID)/intervals?from=yesterday").status == 400)
        #expect(try Self.get("\(url)/api/machines/\(cncID)/intervals?from=\(to)&to=\(from)").status == 400)
        #expect(try Self.get("\(url)/api/availability?step=1").status == 400)
        let injected = try Self.get("\(url)/api/machines/x'%3B%20DROP%20TABLE%20machine_current%3B--")
        #expect(injected.status == 404 && injected.body.contains("no machine"))
        #expect(try pipeline.database.count("SELECT count(*) FROM machine_current") == machines.count)
        #expect(try Self.get("\(url)/api/openapi.json").body.contains("\"/api/events\""))

        // The board's role reads and cannot write.
        let reader = try PostgresConnection(conninfo: try Self.readerURL(pipeline))
        #expect(throws: PostgresError.self) { try reader.execute("DELETE FROM machine_current") }
        #expect(!(try pipeline.database.connect().execute("SELECT 1 FROM machine_current LIMIT 1")).isEmpty)
        #expect(!pipeline.stages["board"]!.log.contains("can change machine_current"))
    }

    @Test("the event stream sends each commit's changed machines, and a reconnect resumes without a gap")
    func eventsResumeWithoutAGap() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let url = try Self.startBoard(pipeline)
        try pipeline.emulator(["--file", try Self.sampleLines()])
        _ = try pipeline.database.waitForStableCount("SELECT count(*) FROM machine_state")
        _ = try Self.waitForBoard(url, pipeline)
        let before = try #require(try Self.json(url + "/api/machines")["event_id"] as? String)

        // While no stream is open, two machines change; the stream opened after sends both.
        let now = Date().timeIntervalSince1970
        try pipeline.publish([
            #"{"cnc_id":"CNC001","part_program":"resume_1","timestamp":"\#(now)","payload":{"status":"setup","spin":0,"X-Axis":1,"Y-Axis":2}}"#,
            #"{"cnc_id":"CNC002","part_program":"resume_2","timestamp":"\#(now)","payload":{"status":"stopped","spin":0,"X-Axis":1,"Y-Axis":2}}"#,
        ])
        _ = try Self.waitForBoard(url, pipeline)
        let resumed = try Self.python(
            "board_events", ["--url", url, "--last-event-id", before, "--until-events", "2", "--seconds", "10"], pipeline)
        #expect(resumed["content_type"] as? String == "text/event-stream")
        let events = resumed["events"] as? [[Any]] ?? []
        let machinesSent = events.filter { $0[1] as? String == "machine" }.compactMap { ($0[2] as? [String: Any])?["part_program"] as? String }
        #expect(Set(machinesSent).isSuperset(of: ["resume_1", "resume_2"]), "\(events)")
        #expect(!events.contains { $0[1] as? String == "snapshot" })

        // An id of another board process (or one no longer kept) gets the whole board first.
        let stranger = try Self.python("board_events", ["--url", url, "--last-event-id", "1-1", "--until-events", "1", "--seconds", "10"], pipeline)
        let snapshot = try #require((stranger["events"] as? [[Any]])?.first)
        #expect(snapshot[1] as? String == "snapshot")
        #expect(
            ((snapshot[2] as? [String: Any])?["machines"] as? [Any])?.count == (try pipeline.database.count("SELECT count(*) FROM machine_current")))

        // SIGTERM with a stream open: the board ends the stream and exits cleanly.
        var exitStatus: Int32?
        let stopped = try Self.python("board_events", ["--url", url, "--until-events", "1", "--seconds", "30", "--stop-board"], pipeline) { _ in
            let board = try #require(pipeline.stages["board"])
            board.signal(SIGTERM)
            exitStatus = board.waitForExit(seconds: 20)
        }
        #expect(exitStatus == 0)
        #expect(stopped["ended"] as? Bool == true)
    }

    @Test("OEE's performance is the parts' ideal time over the time running, and only where every program's ideal time is known")
    func performanceWhereCycleTimesAreKnown() throws {
        let pipeline = try PipelineHarness()
        try pipeline.start("sink", "sink")
        let url = try Self.startBoard(pipeline)
        // One machine running an hour and making a part a minute (P1, then P2 for the last ten).
        _ = try pipeline.database.connect().execute(
            """
            INSERT INTO machine_current (
                cnc_id, message_id, cnc_type, ts, part_program, status, part_count, quality, unknown_variables, last_heard_at)
            VALUES ('PRESS1', gen_random_uuid(), 'CNCTypeC', '2026-01-05T07:00:00Z', 'P1', 'idle', 60, '{}', '{}', now());
            INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, ended_at)
            VALUES ('PRESS1', '2026-01-05T06:00:00Z', gen_random_uuid(), 'running', 'P1', '2026-01-05T07:00:00Z');
            INSERT INTO machine_status_intervals (cnc_id, started_at, started_by, status, part_program, running_before)
            VALUES ('PRESS1', '2026-01-05T07:00:00Z', gen_random_uuid(), 'idle', 'P1', interval '1 hour');
            INSERT INTO machine_parts_made (cnc_id, ts, message_id, parts, parts_total, part_program)
            SELECT 'PRESS1', '2026-01-05T06:00:30Z'::timestamptz + minute * interval '1 minute', gen_random_uuid(), 1, minute + 1,
                   CASE WHEN minute < 50 THEN 'P1' ELSE 'P2' END
            FROM generate_series(0, 59) AS minute;
            INSERT INTO part_program_cycle_times VALUES ('P1', 30);
            """)
        let query = "\(url)/api/availability?from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z&step=3600&cnc_id=PRESS1"
        let unknown = try #require((try Self.json(query)["periods"] as? [[String: Any]])?.first)
        // With `to` alone, the period is the day before it.
        let dayBefore = try Self.json("\(url)/api/availability?to=2026-01-05T07:00:00Z&step=86400&cnc_id=PRESS1")
        #expect((dayBefore["from"] as? String)?.hasPrefix("2026-01-04T07:00:00") == true, "\(dayBefore)")
        #expect(unknown["parts"] as? Int == 60)
        #expect((unknown["availability"] as? NSNumber)?.doubleValue == 1)
        #expect(unknown["performance"] is NSNull, "P2's ideal time is not known")
        _ = try pipeline.database.connect().execute("INSERT INTO part_program_cycle_times VALUES ('P2', 60)")
        let known = try #require((try Self.json(query)["periods"] as? [[String: Any]])?.first)
        // (50 × 30 s + 10 × 60 s) / 3,600 s running
        #expect((known["performance"] as? NSNumber)?.doubleValue == 2_100.0 / 3_600.0)
        // Shifts asked of a board that has no calendar: the request cannot be answered, and says why.
        let withoutShifts = try Self.startBoard(pipeline, name: "board-without-shifts", settings: ["MES_SHIFTS": ""])
        let byShift = try Self.get("\(withoutShifts)/api/availability?by=shift")
        #expect(byShift.status == 400 && byShift.body.contains("MES_SHIFTS"), "\(byShift)")
    }

    @Test("with MES_BOARD_AUTH only the token's holders read the board; /health stays open")
    func authentication() throws {
        let pipeline = try PipelineHarness()
        try pipeline.startPipeline()
        let token = "plant-floor-token-\(UInt32.random(in: 0...UInt32.max))"
        let url = try Self.startBoard(pipeline, settings: ["MES_BOARD_AUTH": "token:\(token)"])
        #expect(try Self.get(url + "/health").status == 200)
        #expect(try Self.get(url + "/api/machines").status == 401)
        #expect(try Self.get(url + "/").status == 401)
        #expect(try Self.get(url + "/api/machines", headers: ["Authorization": "Bearer wrong-\(token)"]).status == 401)
        #expect(try Self.get(url + "/api/machines", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        // A wall screen opens the page once with ?token=; the cookie carries it from then on.
        let cookie = try Self.get(url + "/?token=\(token)", reading: "Set-Cookie")
        #expect(cookie.status == 200 && cookie.contentType?.hasPrefix("board_token=\(token);") == true)
        #expect(try Self.get(url + "/api/machines", headers: ["Cookie": "board_token=\(token)"]).status == 200)
        #expect(!pipeline.stages["board"]!.log.contains(token))
    }

    @Test("in Chromium: every machine with its colour, live changes without a reload, the timeline as stored, offline greys out, markup is text")
    func boardInABrowser() throws {
        let pipeline = try PipelineHarness()
        pipeline.overrides["MES_OFFLINE_AFTER_S"] = "5"
        try pipeline.startPipeline()
        // A port of its own, so that the board started again after a kill is where the page left it.
        let url = try Self.startBoard(pipeline, port: try PrivateBroker.freePort())
        let now = Date().timeIntervalSince1970
        // Every machine of the map, heard now; CNC004 is then left silent.
        let lines = (1...10).map { number in
            let id = "CNC" + String(repeating: "0", count: 3 - String(number).count) + String(number)
            let status = ["running", "idle", "stopped", "setup", "error"][number % 5]
            return
                #"{"cnc_id":"\#(id)","part_program":"P\#(number)","timestamp":"\#(now)","#
                + #""payload":{"status":"\#(status)","spin":0,"X-Axis":1,"Y-Axis":2}}"#
        }
        try pipeline.publish(lines)
        _ = try pipeline.database.waitForCount("SELECT count(*) FROM machine_current", toReach: 10)
        _ = try Self.waitForBoard(url, pipeline)

        let before = Dictionary(uniqueKeysWithValues: try pipeline.database.rows(Self.currentStatusSQL).map { ($0[0]!, $0[1]!) })
        let screenshots = "\(TestEnvironment.packageDirectory)/.build/board-screenshots"
        try FileManager.default.createDirectory(atPath: screenshots, withIntermediateDirectories: true)
        // The page loses its stream when the board is killed, polls, and goes live again when
        // the board is back: the script says when to kill it and when to start it.
        let seen = try Self.python(
            "board_browser",
            [
                "--url", url, "--mqtt", String(TestEnvironment.mqttURL!.dropFirst("mqtt://".count)), "--topic", pipeline.topic,
                "--live-machine", "CNC001", "--rounds", "20", "--hostile-machine", "CNC002", "--offline-machine", "CNC004",
                "--screenshots", screenshots, "--stream-loss",
            ], pipeline
        ) { step in
            switch step {
            case "stop-board": try pipeline.kill("board")
            case "start-board": try pipeline.restart("board")
            default: throw HarnessError("unknown step \(step)")
            }
        }

        // Every machine, each in the status the database gives it, with a colour of its own.
        let tiles = seen["tiles"] as? [[String: Any]] ?? []
        let statuses = Dictionary(uniqueKeysWithValues: tiles.map { ($0["cnc_id"] as! String, $0["status"] as! String) })
        #expect(Set(statuses.keys) == Set(before.keys))
        // Machines left silent may have gone offline by the time the page was read.
        #expect(statuses.allSatisfy { $0.value == before[$0.key] || $0.value == "offline" }, "\(statuses) vs \(before)")
        let colours = Dictionary(grouping: tiles, by: { $0["status"] as! String }).mapValues { Set($0.map { $0["color"] as! String }) }
        #expect(colours.values.allSatisfy { $0.count == 1 } && Set(colours.values.map { $0.first! }).count == colours.count, "\(colours)")

        // Live: each change shown within 2 s, the page never reloaded.
        let latencies = (seen["latencies_ms"] as? [Double] ?? []).sorted()
        #expect(latencies.count == 20)
        let p50 = latencies[latencies.count / 2], p95 = latencies[Int((Double(latencies.count) * 0.95).rounded(.up)) - 1]
        print("board live latency: p50 \(Int(p50)) ms, p95 \(Int(p95)) ms, max \(Int(latencies.last ?? 0)) ms over \(latencies.count) changes")
        #expect(latencies.allSatisfy { $0 < 2_000 })
        #expect(seen["reloaded"] as? Bool == false)

        // Markup in an alarm and a program shows as text, and runs nothing.
        let hostile = seen["hostile"] as? [String: Any] ?? [:]
        #expect((hostile["text"] as? String)?.contains("<img src=x onerror") == true, "\(hostile)")
        #expect(hostile["pwned"] is NSNull)
        #expect(hostile["images"] as? Int == 0)

        // Silent past its threshold: offline, as the database says.
        #expect((seen["offline"] as? [String: Any])?["status"] as? String == "offline")
        #expect(
            try pipeline.database.count(
                "SELECT count(*) FROM machine_status_intervals WHERE cnc_id = 'CNC004' AND ended_at IS NULL AND status = 'offline'") == 1)

        // The machine's timeline is its intervals of the shift as stored (the page may have been
        // drawn just before the machine went offline).
        let segments = (seen["segments"] as? [[Any]] ?? []).map { "\($0[0])" }
        let timeline = try pipeline.database.rows(
            """
            SELECT status FROM machine_intervals_between('CNC001',
                (SELECT max(shift_start) FROM shift_windows(now() - interval '2 days', now(), 'Europe/Berlin', '{early,late,night}',
                 '{06:00,14:00,22:00}', '{14:00,22:00,06:00}') WHERE shift_start <= now()), now()) ORDER BY started_at
            """
        ).map { $0[0]! }
        #expect(!segments.isEmpty && (segments == timeline || segments == Array(timeline.dropLast())), "\(segments) vs \(timeline)")
        #expect((seen["segment_detail"] as? String)?.isEmpty == false)
        #expect((seen["messages_shown"] as? Int ?? 0) > 0)
        #expect((seen["shift_rows"] as? Int ?? 0) > 0)
        #expect(seen["phone_overflow"] as? Bool == false)
        let loss = seen["stream_loss"] as? [String: Any] ?? [:]
        #expect(loss["polled"] as? Bool == true && loss["live_again"] as? Bool == true && loss["shown"] as? Bool == true, "\(loss)")
        // Chromium reports the failed connections while the board is down; nothing else.
        let errors = (seen["console_errors"] as? [String] ?? []).filter { !$0.contains("ERR_CONNECTION_REFUSED") && !$0.contains("/api/") }
        #expect(errors.isEmpty, "\(errors)")
    }
}
