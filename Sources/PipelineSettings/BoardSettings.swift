import Foundation
import StageRuntime

/// The board's own settings. It also reads `DatabaseSettings.url` (when `database` is unset),
/// `MachineTypeSettings.cncTypes` (for lines) and `MachineTypeSettings.defaultOfflineAfter`.
public enum BoardSettings {
    /// `MES_BOARD_LISTEN`: where the board serves its pages, its API and its event stream; default `127.0.0.1:8080`,
    /// port 0 for any free port.
    public static let listen = Setting<ListenAddress>(
        "MES_BOARD_LISTEN", flag: "listen", default: ListenAddress(host: "127.0.0.1", port: 8080), defaultText: "127.0.0.1:8080",
        allowed: "HOST:PORT ([IPv6]:PORT), port 0 for any free port", help: "Where the board serves its pages, its API and its event stream"
    ) { text in try ListenAddress(parsing: text) }

    /// `MES_BOARD_DATABASE_URL`: the connection string or URI of a role that can only read; no default value, the board
    /// then uses `DATABASE_URL`.
    public static let database = Setting<String>.text(
        "MES_BOARD_DATABASE_URL", flag: "database-url", default: nil, defaultText: "DATABASE_URL",
        help: "libpq connection string or URI of a role that can only read (a member of cnc_reader, docs/board.md)"
    )

    /// `MES_SHIFTS`: the shift calendar; none by default, and the board then counts the plant's day.
    public static let shifts = Setting<ShiftCalendar>(
        "MES_SHIFTS", flag: "shifts", default: nil, defaultText: "none: no shifts, the board counts the plant's day",
        allowed: "NAME=HH:MM-HH:MM, comma-separated, in the plant's time zone",
        help: "The shift calendar, for example early=06:00-14:00,late=14:00-22:00,night=22:00-06:00"
    ) { text in try ShiftCalendar(parsing: text) }

    /// `MES_PLANT_TIME_ZONE`: the plant's IANA time zone name, accepted only when `TimeZone(identifier:)` knows it; none by
    /// default, meaning this host's time zone.
    public static let timeZone = Setting<String>(
        "MES_PLANT_TIME_ZONE", flag: "time-zone", default: nil, defaultText: "this host's time zone",
        allowed: "an IANA time zone name such as Europe/Berlin", help: "The plant's time zone: of the shift calendar and of the times the pages show"
    ) { text in TimeZone(identifier: text) == nil ? nil : text }

    /// `MES_BOARD_AUTH`: who may read the board; none by default, and then anyone who reaches it does.
    public static let authentication = Setting<BoardAuthentication>(
        "MES_BOARD_AUTH", flag: "auth", default: nil, defaultText: "none: anyone who reaches the board reads it",
        allowed: "token:SECRET or basic:USER:PASSWORD",
        help: "Who may read the board: a bearer token (also taken once as ?token= and kept in a cookie) or HTTP basic authentication"
    ) { text in try BoardAuthentication(parsing: text) }

    /// The board's settings, for its table in docs/configuration.md.
    public static let all = [listen.description, database.description, shifts.description, timeZone.description, authentication.description]
}
