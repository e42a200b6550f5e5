/// The PostgreSQL notification the sink sends with each transaction that changes what a machine
/// shows (`machine_current`, its intervals): delivered after the commit, and once however many
/// rows changed. The board listens for it.
public enum StoreNotifications {
    /// The channel to `LISTEN` on; the notifications carry an empty payload.
    public static let machinesChanged = "cnc_machines_changed"
}
