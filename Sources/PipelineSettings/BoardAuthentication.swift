import Foundation

/// Who may read the board when it is reachable beyond the plant's network: the holders of a
/// token, or of a user name and password (HTTP basic authentication).
public enum BoardAuthentication: Sendable, Equatable {
    /// A bearer token, of 16 characters or more: in the `Authorization` header, the `board_token`
    /// cookie or the `token` query parameter.
    case token(String)
    /// HTTP basic authentication with this user name and password.
    case basic(user: String, password: String)

    /// Reads `MES_BOARD_AUTH`: `token:SECRET`, the secret 16 characters or more, or
    /// `basic:USER:PASSWORD`, neither empty (the password may hold `:`, the user name not).
    /// - Throws: `BoardSettingError` saying which form the text must have.
    public init(parsing text: String) throws(BoardSettingError) {
        if text.hasPrefix("token:"), text.count > "token:".count {
            let token = String(text.dropFirst("token:".count))
            guard token.count >= 16 else { throw BoardSettingError("a board token has 16 characters or more") }
            self = .token(token)
            return
        }
        if text.hasPrefix("basic:") {
            let rest = text.dropFirst("basic:".count)
            if let colon = rest.firstIndex(of: ":"), colon != rest.startIndex, rest.index(after: colon) != rest.endIndex {
                self = .basic(user: String(rest[..<colon]), password: String(rest[rest.index(after: colon)...]))
                return
            }
        }
        throw BoardSettingError("MES_BOARD_AUTH is token:SECRET or basic:USER:PASSWORD")
    }

    /// The secret, to hide from every log line.
    public var secret: String {
        switch self {
        case .token(let token): token
        case .basic(_, let password): password
        }
    }

    /// Whether a request's `Authorization` header, its `board_token` cookie or its `token` query
    /// parameter carries the credentials.
    public func admits(authorization: String?, cookie: String?, queryToken: String?) -> Bool {
        switch self {
        case .token(let token):
            if let authorization, authorization.hasPrefix("Bearer "), Self.same(String(authorization.dropFirst(7)), token) { return true }
            if let value = cookie.flatMap({ Self.cookie(named: Self.cookieName, in: $0) }), Self.same(value, token) { return true }
            return queryToken.map { Self.same($0, token) } ?? false
        case .basic(let user, let password):
            guard let authorization, authorization.hasPrefix("Basic "),
                let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).flatMap({ String(data: $0, encoding: .utf8) })
            else { return false }
            return Self.same(decoded, "\(user):\(password)")
        }
    }

    /// The cookie that carries the token, set by the board when a request brought it as `?token=`.
    public static let cookieName = "board_token"

    /// The value of one cookie of a `Cookie` header.
    static func cookie(named name: String, in header: String) -> String? {
        for pair in header.split(separator: ";") {
            let pair = pair.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(name + "=") { return String(pair.dropFirst(name.count + 1)) }
        }
        return nil
    }

    /// Compares in a time that does not depend on where the texts first differ.
    static func same(_ given: String, _ expected: String) -> Bool {
        let given = Array(given.utf8), expected = Array(expected.utf8)
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in expected.indices { difference |= expected[index] ^ (index < given.count ? given[index] : 0) }
        return difference == 0
    }
}
