import Foundation
import StageRuntime

/// Files of messages one a line, as the seed's `sample_data/*.json`: what the emulator publishes
/// and what `mesctl try-type` maps.
package enum SampleFile {
    /// The lines of `paths`, in order, blank lines left out, each line's bytes as in the file (a CRLF line keeps its CR);
    /// throws a `SettingError` naming a file that cannot be read.
    package static func lines(paths: [String]) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else { throw SettingError(reason: "cannot read sample file \(path)") }
            lines += data.split(separator: UInt8(ascii: "\n")).map { Array($0) }.filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D || $0 == 0x09 } }
        }
        return lines
    }
}
