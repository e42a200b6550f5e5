import Logging
import PipelineSettings
import PostgresNIO

/// What the board asks PostgreSQL, always with bound parameters. Answers come as JSON made by
/// PostgreSQL where the board passes them on as they are; times are RFC 3339 in UTC (the
/// connection's time zone is UTC).
public struct BoardQueries: Sendable {
    let client: PostgresClient
    let timeZone: String
    let shifts: ShiftCalendar?
    let defaultOfflineAfterSeconds: Int
    let logger: Logger

    /// The period whose parts and availability the board counts: the latest shift started, or
    /// the plant's day without a calendar.
    public struct Period: Sendable, Equatable, Codable {
        /// The shift's name, or `day` without a calendar.
        public var name: String
        /// Its start, RFC 3339 in UTC.
        public var from: String
        /// Its end, RFC 3339 in UTC.
        public var to: String
    }

    /// One machine's entry on the board, as JSON, with its status to count.
    public struct MachineEntry: Sendable, Equatable {
        /// The machine's `cnc_id`.
        public var cncID: String
        /// The status it is counted under: that of its open interval, else the one it last reported.
        public var status: String
        /// The entry as the API gives it: one JSON object on one line.
        public var json: String
    }

    /// One period of one machine: `machine_availability_periods`' row.
    public struct AvailabilityRow: Sendable, Equatable {
        /// The machine's `cnc_id`.
        public var cncID: String
        /// The shift's name when the periods are shifts; nil for steps.
        public var shift: String?
        /// The period's start, RFC 3339 in UTC.
        public var from: String
        /// The period's end, RFC 3339 in UTC.
        public var to: String
        /// Seconds in each status of `statuses`, by its name.
        public var seconds: [String: Double]
        /// The seconds the machine's intervals cover in the period: the sum of `seconds`.
        public var knownSeconds: Double
        /// Running time over known time, 0 to 1.
        public var availability: Double?
        /// Parts made in the period; nil for a machine whose newest state has no part counter.
        public var parts: Int64?
        /// The ideal time of the parts made, in seconds, by `part_program_cycle_times`; nil when a part's program has none there.
        public var idealRunningSeconds: Double?

        /// OEE's performance: the parts' ideal time over the time running, where it is known.
        public var performance: Double? {
            guard let idealRunningSeconds, let running = seconds["running"], running > 0, parts != nil else { return nil }
            return idealRunningSeconds / running
        }
    }

    /// Every status the board counts, in the order its answers list them.
    public static let statuses = ["running", "idle", "stopped", "setup", "maintenance", "error", "offline", "unknown"]

    /// The period the board counts now (see `Period`). Throws PostgreSQL's errors, or `BoardQueryError.noPeriod` when
    /// PostgreSQL gives none.
    public func currentPeriod() async throws -> Period {
        let rows: PostgresRowSequence
        if let shifts {
            rows = try await client.query(
                """
                SELECT w.shift, to_json(w.shift_start)#>>'{}', to_json(w.shift_end)#>>'{}'
                FROM shift_windows(
                    now() - interval '2 days', now(), \(timeZone), \(shifts.names), \(shifts.starts)::time[], \(shifts.ends)::time[]) AS w
                WHERE w.shift_start <= now() ORDER BY w.shift_start DESC LIMIT 1
                """, logger: logger)
        } else {
            rows = try await client.query(
                """
                SELECT 'day', to_json(d)#>>'{}', to_json(d + interval '1 day')#>>'{}'
                FROM (SELECT date_trunc('day', now() AT TIME ZONE \(timeZone)) AT TIME ZONE \(timeZone) AS d) AS day
                """, logger: logger)
        }
        for try await (name, from, to) in rows.decode((String, String, String).self) {
            return Period(name: name, from: from, to: to)
        }
        throw BoardQueryError.noPeriod
    }

    /// Each machine's messages with quality marks in the last hour, and the marks (a JSON array).
    public struct QualityMarks: Sendable, Equatable {
        /// The machines with marked messages; the three arrays go by the same index.
        public var cncIDs: [String] = []
        /// How many of the machine's messages carry a mark.
        public var messages: [Int64] = []
        /// The machine's distinct marks, sorted, as the text of a JSON array.
        public var marks: [String] = []
    }

    /// The quality marks of the last hour, from the index of marked states.
    public func qualityLastHour() async throws -> QualityMarks {
        let rows = try await client.query(
            """
            SELECT s.cnc_id, count(DISTINCT s.message_id), to_json(array_agg(DISTINCT q.mark ORDER BY q.mark))::text
            FROM machine_state s CROSS JOIN LATERAL unnest(s.quality) AS q(mark)
            WHERE s.quality <> '{}' AND s.ts > now() - interval '1 hour'
            GROUP BY s.cnc_id
            """, logger: logger)
        var quality = QualityMarks()
        for try await (cncID, messages, marks) in rows.decode((String, Int64, String).self) {
            quality.cncIDs.append(cncID)
            quality.messages.append(messages)
            quality.marks.append(marks)
        }
        return quality
    }

    /// Every machine on the board, by line then `cnc_id`; parts count from `periodStart`. A
    /// machine's line is its source's `line` tag, else the type map's (`mapLines`).
    public func machines(
        periodStart: String, mapLines: (cncIDs: [String], lines: [String]), quality: QualityMarks
    ) async throws -> [MachineEntry] {
        let rows = try await client.query(
            """
            WITH open_intervals AS (
                -- Each machine's open interval, in one read of the index of open intervals.
                SELECT DISTINCT ON (x.cnc_id) x.cnc_id, x.status, x.started_at FROM machine_status_intervals x
                WHERE x.ended_at IS NULL ORDER BY x.cnc_id, x.started_at DESC
            )
            SELECT m.cnc_id, coalesce(i.status, m.status), json_build_object(
                'cnc_id', m.cnc_id, 'cnc_type', m.cnc_type, 'line', coalesce(m.tags->>'line', ml.line), 'tags', m.tags,
                'status', coalesce(i.status, m.status), 'status_since', coalesce(i.started_at, m.ts), 'reported_status', m.status,
                'part_program', m.part_program,
                'parts_this_shift', CASE WHEN m.part_count IS NOT NULL THEN coalesce(pn.parts_total, 0) - coalesce(ps.parts_total, 0) END,
                'alarm_code', m.alarm_code, 'alarm_text', m.alarm_text,
                'spindle_speed_rpm', m.spindle_speed_rpm, 'spindle_load_pct', m.spindle_load_pct,
                'ts', m.ts, 'last_heard_at', m.last_heard_at,
                'offline_after_s', extract(epoch FROM coalesce(t.offline_after, make_interval(secs => \(defaultOfflineAfterSeconds)))),
                'stale', m.last_heard_at < now() - coalesce(t.offline_after, make_interval(secs => \(defaultOfflineAfterSeconds))),
                'quality_last_hour', json_build_object('messages', coalesce(q.messages, 0), 'marks', coalesce(q.marks::json, '[]'::json))
            )::text
            FROM machine_current m
            LEFT JOIN machine_types t ON t.cnc_type = m.cnc_type
            LEFT JOIN open_intervals i ON i.cnc_id = m.cnc_id
            LEFT JOIN LATERAL (
                SELECT x.parts_total FROM machine_parts_made x WHERE x.cnc_id = m.cnc_id ORDER BY x.ts DESC, x.message_id DESC LIMIT 1) pn ON true
            LEFT JOIN LATERAL (
                SELECT x.parts_total FROM machine_parts_made x WHERE x.cnc_id = m.cnc_id AND x.ts < \(periodStart)::timestamptz
                ORDER BY x.ts DESC, x.message_id DESC LIMIT 1) ps ON true
            LEFT JOIN unnest(\(quality.cncIDs)::text[], \(quality.messages)::bigint[], \(quality.marks)::text[]) AS q(cnc_id, messages, marks)
                ON q.cnc_id = m.cnc_id
            LEFT JOIN unnest(\(mapLines.cncIDs)::text[], \(mapLines.lines)::text[]) AS ml(cnc_id, line) ON ml.cnc_id = m.cnc_id
            ORDER BY coalesce(m.tags->>'line', ml.line) NULLS LAST, m.cnc_id
            """, logger: logger)
        var entries: [MachineEntry] = []
        for try await (cncID, status, json) in rows.decode((String, String, String).self) {
            entries.append(MachineEntry(cncID: cncID, status: status, json: json))
        }
        return entries
    }

    /// The plant's share of time running over [from, now): all machines' running time over
    /// their known time; nil before any is known.
    public func plantAvailability(from: String) async throws -> Double? {
        let rows = try await client.query(
            """
            SELECT sum(a.running_s) / nullif(sum(a.known_s), 0)
            FROM machine_availability_periods(ARRAY[\(from)::timestamptz], ARRAY[greatest(now(), \(from)::timestamptz)]) AS a
            """, logger: logger)
        for try await (share) in rows.decode(Double?.self) { return share }
        return nil
    }

    /// One machine's newest stored messages and rejections, 20 of each, as JSON members.
    public func recentMessages(of cncID: String) async throws -> String {
        let rows = try await client.query(
            """
            SELECT json_build_object(
                'messages', coalesce((SELECT json_agg(x ORDER BY x.ts DESC, x.message_id DESC) FROM (
                    SELECT d.message_id, d.received_at, d.ts, d.topic, s.status, d.part_program,
                           coalesce(s.quality, '{}') AS quality, coalesce(s.unknown_variables, '{}') AS unknown_variables, d.payload
                    FROM cnc_data d
                    LEFT JOIN machine_state s ON s.cnc_id = d.cnc_id AND s.ts = d.ts AND s.message_id = d.message_id
                    WHERE d.cnc_id = \(cncID) ORDER BY d.ts DESC, d.message_id DESC LIMIT 20) AS x), '[]'),
                'rejections', coalesce((SELECT json_agg(r ORDER BY r.rejected_at DESC) FROM (
                    SELECT message_id, rejected_at, received_at, stage, reason, topic, encode(raw, 'escape') AS raw
                    FROM rejected_messages WHERE cnc_id = \(cncID) ORDER BY rejected_at DESC LIMIT 20) AS r), '[]'))::text
            """, logger: logger)
        for try await (json) in rows.decode(String.self) { return json }
        return #"{"messages":[],"rejections":[]}"#
    }

    /// One machine's status intervals over [from, to), cut to it, as a JSON array.
    public func intervals(of cncID: String, from: String, to: String) async throws -> String {
        let rows = try await client.query(
            """
            SELECT coalesce(json_agg(json_build_object(
                'status', i.status, 'from', i.started_at, 'to', i.ended_at, 'seconds', i.seconds, 'part_program', i.part_program, 'open', i.open)
                ORDER BY i.started_at), '[]')::text
            FROM machine_intervals_between(\(cncID), \(from)::timestamptz, \(to)::timestamptz) AS i
            """, logger: logger)
        for try await (json) in rows.decode(String.self) { return json }
        return "[]"
    }

    /// Availability of each machine (or of `cncID` alone) in steps of `stepSeconds` over
    /// [from, to), or by the shifts overlapping it when `stepSeconds` is nil.
    public func availability(from: String, to: String, stepSeconds: Int?, cncID: String?) async throws -> [AvailabilityRow] {
        let machines: [String]? = cncID.map { [$0] }
        let periods: PostgresQuery
        if let stepSeconds {
            periods = """
                SELECT NULL::text AS shift, p AS period_start, least(p + make_interval(secs => \(stepSeconds)), \(to)::timestamptz) AS period_end
                FROM generate_series(\(from)::timestamptz, \(to)::timestamptz - interval '1 microsecond', make_interval(secs => \(stepSeconds))) AS p
                """
        } else {
            guard let shifts else { throw BoardQueryError.noShiftCalendar }
            periods = """
                SELECT shift, shift_start AS period_start, shift_end AS period_end
                FROM shift_windows(
                    \(from)::timestamptz, \(to)::timestamptz, \(timeZone), \(shifts.names), \(shifts.starts)::time[], \(shifts.ends)::time[])
                """
        }
        var query = periods
        query.sql =
            "WITH periods AS (\(periods.sql))\n" + """
                SELECT a.cnc_id, p.shift, to_json(a.period_start)#>>'{}', to_json(a.period_end)#>>'{}',
                       a.running_s, a.idle_s, a.stopped_s, a.setup_s, a.maintenance_s, a.error_s, a.offline_s, a.unknown_s,
                       a.known_s, a.running_share, a.parts_made, a.ideal_running_s
                FROM machine_availability_periods(
                    ARRAY(SELECT period_start FROM periods ORDER BY period_start), ARRAY(SELECT period_end FROM periods ORDER BY period_start),
                    $\(query.binds.count + 1)::text[]) AS a
                JOIN periods p ON p.period_start = a.period_start AND p.period_end = a.period_end
                ORDER BY a.cnc_id, a.period_start
                """
        query.binds.append(machines)
        let rows = try await client.query(query, logger: logger)
        var result: [AvailabilityRow] = []
        for try await row in rows {
            let (cnc, shift, from, to, running, idle, stopped, setup, maintenance, error, offline, unknown, known, share, parts, ideal) =
                try row.decode(
                    (
                        String, String?, String, String, Double, Double, Double, Double, Double, Double, Double, Double, Double, Double?, Int64?,
                        Double?
                    ).self)
            result.append(
                AvailabilityRow(
                    cncID: cnc, shift: shift, from: from, to: to,
                    seconds: [
                        "running": running, "idle": idle, "stopped": stopped, "setup": setup, "maintenance": maintenance, "error": error,
                        "offline": offline, "unknown": unknown,
                    ],
                    knownSeconds: known, availability: share, parts: parts, idealRunningSeconds: ideal))
        }
        return result
    }

    /// Whether the board's role can change `machine_current`: it should not (docs/board.md).
    public func canWrite() async throws -> Bool {
        let rows = try await client.query(
            "SELECT has_table_privilege('machine_current', 'INSERT') OR has_table_privilege('machine_current', 'UPDATE')", logger: logger)
        for try await (writes) in rows.decode(Bool.self) { return writes }
        return false
    }
}

/// What the board's queries throw besides PostgreSQL's errors.
public enum BoardQueryError: Error, CustomStringConvertible {
    case noPeriod
    case noShiftCalendar

    /// One line for the log.
    public var description: String {
        switch self {
        case .noPeriod: "PostgreSQL gave no current period"
        case .noShiftCalendar: "the board has no shift calendar (MES_SHIFTS)"
        }
    }
}
