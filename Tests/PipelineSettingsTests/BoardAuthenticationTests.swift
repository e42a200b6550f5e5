import Foundation
import PipelineSettings
import Testing

@Suite struct BoardAuthenticationTests {
    let token = BoardAuthentication.token("0123456789abcdef-secret")

    @Test("a token is taken from the Authorization header, the cookie or the query, and only when it is the same")
    func tokenWhereverGiven() {
        #expect(token.admits(authorization: "Bearer 0123456789abcdef-secret", cookie: nil, queryToken: nil))
        #expect(token.admits(authorization: nil, cookie: "a=b; board_token=0123456789abcdef-secret", queryToken: nil))
        #expect(token.admits(authorization: nil, cookie: nil, queryToken: "0123456789abcdef-secret"))
        #expect(!token.admits(authorization: "Bearer 0123456789abcdef-secreT", cookie: nil, queryToken: nil))
        #expect(!token.admits(authorization: "Bearer 0123456789abcdef-secret-and-more", cookie: nil, queryToken: nil))
        #expect(!token.admits(authorization: nil, cookie: "board_token=", queryToken: ""))
    }

    @Test("basic authentication compares the user and the password")
    func basic() throws {
        let basic = try BoardAuthentication(parsing: "basic:lead:pass:word")
        #expect(basic == .basic(user: "lead", password: "pass:word"))
        let header = "Basic " + Data("lead:pass:word".utf8).base64EncodedString()
        #expect(basic.admits(authorization: header, cookie: nil, queryToken: nil))
        #expect(!basic.admits(authorization: "Basic " + Data("lead:pass".utf8).base64EncodedString(), cookie: nil, queryToken: nil))
        #expect(!basic.admits(authorization: nil, cookie: nil, queryToken: "pass:word"))
    }

    @Test("a short token or another form is refused", arguments: ["token:short", "secret", "basic:nopassword", "basic::x"])
    func refused(text: String) {
        #expect(throws: BoardSettingError.self) { try BoardAuthentication(parsing: text) }
    }
}
