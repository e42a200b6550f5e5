import LibPQ

/// The operator's view of what the machine types do not vouch for, from `machine_state`:
/// variables a type does not know (drift) and the quality marks of odd values.
public enum DataQuality {
    /// Unknown variables per type: type, variable, messages, machines, last seen. `type` nil: every type.
    public static func drift(_ connection: PostgresConnection, type: String?, hours: Int) throws(PostgresError) -> [[String?]] {
        try summary(connection, list: "unknown_variables", type: type, hours: hours)
    }

    /// Quality marks per type: type, check, messages, machines, last seen.
    public static func marks(_ connection: PostgresConnection, type: String?, hours: Int) throws(PostgresError) -> [[String?]] {
        try summary(connection, list: "quality", type: type, hours: hours)
    }

    private static func summary(_ connection: PostgresConnection, list column: String, type: String?, hours: Int) throws(PostgresError)
        -> [[String?]]
    {
        try connection.execute(
            """
            SELECT cnc_type, item, count(*)::text, count(DISTINCT cnc_id)::text, to_char(max(ts), 'YYYY-MM-DD HH24:MI:SS')
            FROM machine_state, unnest(\(column)) AS item
            WHERE cardinality(\(column)) > 0 AND ts > now() - make_interval(hours => $1::int) AND ($2::text IS NULL OR cnc_type = $2)
            GROUP BY cnc_type, item ORDER BY cnc_type, count(*) DESC, item
            """, parameters: [String(max(1, hours)), type])
    }
}
