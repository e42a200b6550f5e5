import Testing

@testable import StageRuntime

@Suite("Listen addresses")
struct ListenAddressTests {
    @Test(
        "HOST:PORT, an IPv6 address in brackets, blanks around it ignored",
        arguments: [
            ("127.0.0.1:8080", ListenAddress(host: "127.0.0.1", port: 8080)),
            (" localhost:0 ", ListenAddress(host: "localhost", port: 0)),
            ("[::]:9104", ListenAddress(host: "::", port: 9104)),
            ("[fe80::1%eth0]:80", ListenAddress(host: "fe80::1%eth0", port: 80)),
        ])
    func parses(_ text: String, _ expected: ListenAddress) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == expected)
        // What it prints reads back as the same address.
        #expect(try ListenAddress(parsing: address.description) == expected)
    }

    @Test(
        "a text that is not HOST:PORT is refused, saying why",
        arguments: ["8080", ":8080", "[]:8080", "::1:8080", "[127.0.0.1]:8080", "host:", "host:65536", "host:-1", "host:x"])
    func refuses(_ text: String) {
        #expect {
            try ListenAddress(parsing: text)
        } throws: { error in
            ["not HOST:PORT", "no host"].contains { (error as? SettingError)?.reason.hasPrefix($0) == true }
        }
    }
}
