import Foundation
import LibPQ

/// A database of its own for one test, made from `TEST_DATABASE_URL` and dropped afterwards.
final class TestDatabase {
    let name: String
    let url: String
    private let owned: Bool

    /// A view of a database the test does not own (it is not dropped).
    init(url: String) {
        self.url = url
        self.name = ""
        self.owned = false
    }

    init() throws {
        owned = true
        let base = TestEnvironment.databaseURL!
        name = "cnc_test_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PostgresConnection(conninfo: base)
        try admin.execute("CREATE DATABASE \(name)")
        url = Self.replacingDatabase(in: base, with: name)
    }

    /// Replaces the database in a `postgresql://` URI, keeping any query parameters.
    static func replacingDatabase(in url: String, with name: String) -> String {
        let (location, query) = url.firstIndex(of: "?").map { (String(url[..<$0]), String(url[$0...])) } ?? (url, "")
        let schemeEnd = location.range(of: "://")!.upperBound
        let pathStart = location[schemeEnd...].firstIndex(of: "/") ?? location.endIndex
        return String(location[..<pathStart]) + "/" + name + query
    }

    func connect() throws -> PostgresConnection {
        try PostgresConnection(conninfo: url)
    }

    /// One integer from a query that returns one row with one column.
    func count(_ sql: String) throws -> Int {
        let rows = try connect().execute(sql)
        return Int(rows.first?.first.flatMap { $0 } ?? "") ?? -1
    }

    func rows(_ sql: String) throws -> [[String?]] {
        try connect().execute(sql)
    }

    /// Polls `sql` until it returns `expected` or the deadline passes; returns the last value.
    @discardableResult
    func waitForCount(_ sql: String, toReach expected: Int, seconds: Double = 60) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var last = -1
        while Date() < deadline {
            last = (try? count(sql)) ?? -1
            if last >= expected { return last }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return last
    }

    /// Waits until `sql`'s count stops changing for `quietSeconds`.
    func waitForStableCount(_ sql: String, quietSeconds: Double = 2, seconds: Double = 60) throws -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var last = try count(sql)
        var stableSince = Date()
        while Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            let now = try count(sql)
            if now != last {
                last = now
                stableSince = Date()
            } else if Date().timeIntervalSince(stableSince) >= quietSeconds {
                break
            }
        }
        return last
    }

    deinit {
        if owned, let admin = try? PostgresConnection(conninfo: TestEnvironment.databaseURL!) {
            _ = try? admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}
