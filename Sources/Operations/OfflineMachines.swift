import LibPQ

/// The machines in an open offline interval (README, "Offline machines"), the longest silent first.
public enum OfflineMachines {
    public static let header = ["machine", "type", "offline since", "last heard", "silent for", "last status"]

    public static func rows(_ connection: PostgresConnection) throws(PostgresError) -> [[String]] {
        try connection.execute(
            """
            SELECT c.cnc_id, c.cnc_type, to_char(o.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"'),
                   to_char(c.last_heard_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS"Z"'),
                   extract(epoch FROM now() - c.last_heard_at)::bigint || ' s', c.status
            FROM machine_status_intervals o JOIN machine_current c USING (cnc_id)
            WHERE o.ended_at IS NULL AND o.status = 'offline'
            ORDER BY c.last_heard_at, c.cnc_id
            """
        ).map { $0.map { $0 ?? "" } }
    }
}
