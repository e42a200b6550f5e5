/// Hides credentials in text meant for logs and error messages: the one place that knows
/// what a password looks like in the settings this project takes.
public enum Redaction {
    /// What a hidden password is replaced with.
    public static let mask = "***"

    /// Secrets shorter than this are hidden only where a pattern finds them: masking every
    /// occurrence of a two- or three-letter password would mangle ordinary words.
    public static let minimumLiteralLength = 4

    /// The password of a URL's user information (`scheme://user:PASSWORD@host`): greedy up to
    /// the token's last `@`, since an unescaped password may hold one.
    nonisolated(unsafe) private static let urlPassword = #/(?<prefix>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"']*:)(?<secret>[^\s"']*)@/#
    /// A `password=VALUE` keyword (libpq conninfo, a URL query parameter, `PGPASSWORD=`), the
    /// value bare or in single quotes with backslash escapes.
    nonisolated(unsafe) private static let keywordPassword = #/(?<prefix>(?i:password)\s*=\s*)(?<secret>'(?:[^'\\]|\\.)*'?|[^\s&'"]+)/#

    /// `text` with every password the patterns find, and every occurrence of `secrets` (of at
    /// least `minimumLiteralLength` characters), replaced by `mask`.
    public static func redact(_ text: String, secrets: [String] = []) -> String {
        var result = text
        for secret in secrets.filter({ $0.count >= minimumLiteralLength }).sorted(by: { $0.count > $1.count }) {
            result = result.replacing(secret, with: mask)
        }
        result = result.replacing(urlPassword) { "\($0.output.prefix)\(mask)@" }
        return result.replacing(keywordPassword) { "\($0.output.prefix)\(mask)" }
    }

    /// The passwords in a setting's text (a broker URL, a libpq URI or conninfo), as written
    /// and percent-decoded, so that a library message quoting either can be redacted.
    public static func secrets(in text: String) -> [String] {
        var found: [String] = []
        for match in text.matches(of: urlPassword) { found.append(String(match.output.secret)) }
        for match in text.matches(of: keywordPassword) {
            var value = Substring(match.output.secret)
            if value.hasPrefix("'") { value = value.dropFirst() }
            if value.hasSuffix("'") { value = value.dropLast() }
            found.append(String(value))
        }
        let decoded = found.compactMap(PercentEncoding.decode).filter { !found.contains($0) }
        return (found + decoded).filter { !$0.isEmpty }
    }

}
