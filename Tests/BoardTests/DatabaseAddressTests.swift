import Board
import PipelineSettings
import StageRuntime
import Testing

@Suite struct DatabaseAddressTests {
    let none = SettingsEnvironment([:])

    @Test("a URI, percent-decoded, with its parameters")
    func uri() throws {
        let address = try DatabaseAddress(parsing: "postgresql://cnc%40board:p%3Ass@db.plant:6543/cnc?sslmode=require", environment: none)
        #expect(address.host == "db.plant")
        #expect(address.port == 6543)
        #expect(address.user == "cnc@board")
        #expect(address.password == "p:ss")
        #expect(address.database == "cnc")
        #expect(address.sslMode == "require")
    }

    @Test("key=value words, quoted values, and libpq's variables for what is not given")
    func keywords() throws {
        let environment = SettingsEnvironment(["PGHOST": "/run/pg", "PGPORT": "5433", "PGUSER": "reader", "PGPASSWORD": "from-env"])
        let address = try DatabaseAddress(parsing: #"dbname=cnc password='it\'s' user = 'board \\x'"#, environment: environment)
        #expect(address.host == "/run/pg")
        #expect(address.port == 5433)
        #expect(address.user == #"board \x"#)
        #expect(address.database == "cnc")
        #expect(address.password == "it's")
    }

    @Test("an IPv6 host in brackets")
    func ipv6() throws {
        let address = try DatabaseAddress(parsing: "postgresql://u@[::1]:5432/cnc", environment: none)
        #expect(address.host == "::1")
        #expect(address.port == 5432)
    }

    @Test(
        "unknown keys, broken ports and modes are refused",
        arguments: ["host=x sslcert=a", "postgresql://u@h:99999/d", "sslmode=sometimes", "host='x"])
    func refused(text: String) {
        #expect(throws: BoardSettingError.self) { try DatabaseAddress(parsing: text, environment: none) }
    }
}
