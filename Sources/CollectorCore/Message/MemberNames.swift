/// The member names of one JSON object seen so far, for the duplicate check.
///
/// A list while the object is small (machines send a handful of variables, and comparing a few
/// short strings beats hashing them); a set beyond that, so that a hostile object of thousands
/// of members costs linear time, not quadratic.
struct MemberNames {
    private static let listLimit = 16
    private var list: [String] = []
    private var set: Set<String>?

    /// Adds `name`; false when the object already has it.
    mutating func insert(_ name: String) -> Bool {
        if let inserted = set?.insert(name).inserted { return inserted }
        if list.contains(name) { return false }
        list.append(name)
        if list.count > Self.listLimit {
            set = Set(list)
            list = []
        }
        return true
    }
}
