import CollectorCore
import Foundation
import LibPQ
import Logging
import StageRuntime

/// Applies `migrations/*.sql` in file-name order, each once, recording them in
/// `schema_migrations`. An advisory lock serialises sinks that start together; a migration
/// whose file changed after it was applied stops the sink rather than being skipped silently.
///
/// Migrations run as the owner of the tables (`mesctl migrate`, or a sink given the owner's
/// role). A sink whose role may only write (a member of `cnc_writer`, migration 013) finds
/// every migration applied and changes nothing; when one is pending it cannot apply, it is told
/// so by `MigrationsPending` and waits for the owner.
public struct MigrationRunner {
    /// Pending migrations that this role may not apply: the owner must run them.
    public struct MigrationsPending: Error, CustomStringConvertible {
        /// The pending versions (file names without `.sql`), in order.
        public var versions: [String]
        /// The role that tried (`current_user`); `?` when it could not be read.
        public var role: String
        /// PostgreSQL's message for the refusal.
        public var reason: String
        /// Names the versions and the role, and says to run `mesctl migrate` with the owner's `DATABASE_URL`.
        public var description: String {
            "migrations \(versions.joined(separator: ", ")) are pending and the role \(role) may not apply them (\(reason)): "
                + "run `mesctl migrate` with the owner's DATABASE_URL"
        }
    }

    /// One migration file, read in full.
    package struct Migration {
        /// The file name without `.sql`; versions apply in this name's order.
        package var version: String
        /// The file's text, run as one transaction with its `schema_migrations` row.
        package var sql: String
        /// FNV-1a (64 bits, hexadecimal) of the file's bytes, kept in `schema_migrations` to notice an edited file.
        package var checksum: String
    }

    /// Any fixed number will do, as long as nothing else in the database uses it.
    static let lockKey = "7346201894351"

    let directory: String
    let logger: Logger

    /// A runner for the `*.sql` files of `directory`; nothing is read until asked.
    public init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// The directory's `*.sql` files, sorted by name. Throws `SettingError` when the directory cannot be read, holds no
    /// `.sql` file, or a file cannot be read.
    package func migrations() throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw SettingError(reason: "cannot read the migrations directory \(directory) (MES_MIGRATIONS_DIR): \(error.localizedDescription)")
        }
        guard !names.isEmpty else { throw SettingError(reason: "no .sql files in the migrations directory \(directory)") }
        return try names.map { name in
            guard let data = FileManager.default.contents(atPath: "\(directory)/\(name)") else {
                throw SettingError(reason: "cannot read migration \(directory)/\(name)")
            }
            return Migration(version: String(name.dropLast(4)), sql: String(decoding: data, as: UTF8.self), checksum: Self.checksum(data))
        }
    }

    /// Returns the versions it applied; with `last`, only those up to that version (a database
    /// as an older release left it).
    ///
    /// Blocks while another runner holds the advisory lock. Each migration commits with its
    /// `schema_migrations` row, so those applied before a failure stay applied.
    /// - Throws: `SettingError` when a file cannot be read or an applied migration has changed;
    ///   `MigrationsPending` when this role may not apply a pending one; `PostgresError` otherwise.
    @discardableResult
    public func apply(on connection: PostgresConnection, through last: String? = nil) throws -> [String] {
        let migrations = try migrations().filter { last == nil || $0.version <= last! }
        try connection.execute("SELECT pg_advisory_lock(\(Self.lockKey))")
        defer { _ = try? connection.execute("SELECT pg_advisory_unlock(\(Self.lockKey))") }
        // CREATE ... IF NOT EXISTS needs CREATE on the schema even when the table is there,
        // which a role that only writes does not have.
        let recorded = try connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL")
        if recorded.first?.first != "t" {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        }
        var applied: [String: String] = [:]
        for row in try connection.execute("SELECT version, checksum FROM schema_migrations") {
            if let version = row[0], let checksum = row[1] { applied[version] = checksum }
        }
        var done: [String] = []
        for migration in migrations {
            if let checksum = applied[migration.version] {
                guard checksum == migration.checksum else {
                    throw SettingError(reason: "migration \(migration.version) changed after it was applied; add a new migration instead")
                }
                continue
            }
            do {
                try connection.transaction { () throws(PostgresError) in
                    try connection.execute(migration.sql)
                    try connection.execute(
                        "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", parameters: [migration.version, migration.checksum])
                }
            } catch {
                guard error.sqlState == Self.insufficientPrivilege else { throw error }
                let role = (try? connection.execute("SELECT current_user"))?.first?.first ?? nil
                let pending = migrations.map(\.version).filter { applied[$0] == nil && !done.contains($0) }
                throw MigrationsPending(versions: pending, role: role ?? "?", reason: error.message)
            }
            logger.info("migration applied", metadata: ["version": "\(migration.version)"])
            done.append(migration.version)
        }
        return done
    }

    static let insufficientPrivilege = "42501"

    /// FNV-1a, 64 bits: enough to notice an edited file.
    static func checksum(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return String(hash, radix: 16)
    }
}
