import LibPQ

/// The machines in an open offline interval (docs/tables.md, "Offline machines"), the longest silent first.
public enum OfflineMachines {
    /// The titles of the columns of `rows`, in order.
    public static let header = ["machine", "type", "offline since", "last heard", "silent for", "last status"]

    /// One row of text per offline machine: id, type, offline since and last heard (UTC, `YYYY-MM-DD HH:MM:SSZ`), seconds
    /// silent (`N s`) and the last status; a NULL is "". Throws what the query throws.
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
