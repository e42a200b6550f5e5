/// The pages, styles, scripts and the OpenAPI document, compiled into the executable: a board
/// on an air-gapped network needs nothing but itself.
enum BoardAssets {
    /// One compiled-in file: its `Content-Type` and its bytes.
    struct Asset: Sendable {
        var contentType: String
        var bytes: [UInt8]
    }

    static let files: [String: Asset] = [
        "board.html": Asset(contentType: "text/html; charset=utf-8", bytes: PackageResources.board_html),
        "machine.html": Asset(contentType: "text/html; charset=utf-8", bytes: PackageResources.machine_html),
        "shifts.html": Asset(contentType: "text/html; charset=utf-8", bytes: PackageResources.shifts_html),
        "board.css": Asset(contentType: "text/css; charset=utf-8", bytes: PackageResources.board_css),
        "common.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.common_js),
        "board.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.board_js),
        "machine.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.machine_js),
        "shifts.js": Asset(contentType: "text/javascript; charset=utf-8", bytes: PackageResources.shifts_js),
        "openapi.json": Asset(contentType: "application/json", bytes: PackageResources.openapi_json),
    ]
}
