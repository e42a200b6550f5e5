/// The rules for a `cnc_id`: 1 to `maxLength` bytes of ASCII letters, digits, `.`, `_`, `:` and `-`.
///
/// Kept narrow because the id names machines in logs, metrics and maps.
public enum CNCIdentifier {
    /// What is wrong with `id` as a `cnc_id`, worded to follow the field's name ("is empty",
    /// "longer than 64 bytes", ...); nil when it is valid. `maxLength` counts UTF-8 bytes (default 64).
    public static func problem(_ id: String, maxLength: Int = 64) -> String? {
        if id.isEmpty { return "is empty" }
        if id.utf8.count > maxLength { return "longer than \(maxLength) bytes" }
        let allowed = id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                true
            default:
                false
            }
        }
        return allowed ? nil : "has characters outside A-Z a-z 0-9 . _ : -"
    }

    /// Whether `id` is a valid `cnc_id` of at most `maxLength` bytes (default 64).
    public static func isValid(_ id: String, maxLength: Int = 64) -> Bool {
        problem(id, maxLength: maxLength) == nil
    }
}
