import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore
@testable import Sink

/// PostgreSQL's binary COPY header: the 11-byte signature, int32 flags 0, int32 extension length 0.
private let header: [UInt8] = [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00] + [0, 0, 0, 0] + [0, 0, 0, 0]
/// The file trailer: an int16 field count of -1.
private let trailer: [UInt8] = [0xFF, 0xFF]

/// An independent reader of the binary COPY format, for checking what the encoders wrote.
private struct CopyReader {
    var bytes: [UInt8]
    var offset = 0

    mutating func int(_ size: Int) throws -> Int64 {
        guard offset + size <= bytes.count else { throw CopyFormatError(what: "truncated at \(offset)") }
        var value: Int64 = 0
        for byte in bytes[offset..<offset + size] { value = value << 8 | Int64(byte) }
        offset += size
        // Sign-extend.
        let shift = Int64(64 - 8 * size)
        return (value << shift) >> shift
    }

    /// Rows of fields (nil for NULL); checks the header and the trailer.
    mutating func rows() throws -> [[[UInt8]?]] {
        guard Array(bytes.prefix(19)) == header else { throw CopyFormatError(what: "bad header") }
        offset = 19
        var rows: [[[UInt8]?]] = []
        while true {
            let fields = try int(2)
            if fields == -1 { break }
            var row: [[UInt8]?] = []
            for _ in 0..<fields {
                let length = try int(4)
                if length == -1 {
                    row.append(nil)
                } else {
                    guard length >= 0, offset + Int(length) <= bytes.count else { throw CopyFormatError(what: "bad length \(length)") }
                    row.append(Array(bytes[offset..<offset + Int(length)]))
                    offset += Int(length)
                }
            }
            rows.append(row)
        }
        guard offset == bytes.count else { throw CopyFormatError(what: "data after the trailer") }
        return rows
    }
}

private struct CopyFormatError: Error {
    var what: String
}

/// `array_send`'s layout of a one-dimensional `text[]`, written out by hand.
private func textArray(_ values: [String]) -> [UInt8] {
    func int32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    var bytes = int32(values.isEmpty ? 0 : 1) + int32(0) + int32(25)
    if !values.isEmpty { bytes += int32(values.count) + int32(1) }
    for value in values { bytes += int32(value.utf8.count) + Array(value.utf8) }
    return bytes
}

private func int64(_ value: Int64) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
}

private func float8(_ value: Double) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> UInt64(56 - 8 * $0)) }
}

@Suite("PostgreSQL binary COPY")
struct PostgresBinaryCopyTests {
    @Test("an empty COPY is the header and the trailer, byte for byte")
    func emptyCopy() {
        var copy = PostgresBinaryCopy()
        #expect(copy.finish() == header + trailer)
        #expect(copy.rows == 0)
        // finish() is idempotent: no second trailer.
        #expect(copy.finish() == header + trailer)
    }

    @Test("a row with every field type, byte for byte")
    func everyFieldType() {
        var copy = PostgresBinaryCopy()
        copy.beginRow(fields: 9)
        copy.uuid(MessageID(high: 0x0102_0304_0506_0708, low: 9))
        copy.text("abc")
        copy.text(nil as String?)
        copy.null()
        copy.jsonb(Array(#"{"a":1}"#.utf8))
        copy.timestamptz(unixMicroseconds: 0)
        copy.float8(1.5)
        copy.float8(nil)
        copy.bytea([0x00, 0xFF])
        var expected = header
        expected += [0x00, 0x09]
        expected += [0, 0, 0, 16, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 9]
        expected += [0, 0, 0, 3, 0x61, 0x62, 0x63]
        expected += [0xFF, 0xFF, 0xFF, 0xFF]
        expected += [0xFF, 0xFF, 0xFF, 0xFF]
        expected += [0, 0, 0, 8, 0x01] + Array(#"{"a":1}"#.utf8)
        // Unix 0 is -946684800000000 µs from 2000-01-01.
        expected += [0, 0, 0, 8, 0xFF, 0xFC, 0xA2, 0xFE, 0xC4, 0xC8, 0x20, 0x00]
        expected += [0, 0, 0, 8, 0x3F, 0xF8, 0, 0, 0, 0, 0, 0]
        expected += [0xFF, 0xFF, 0xFF, 0xFF]
        expected += [0, 0, 0, 2, 0x00, 0xFF]
        expected += trailer
        #expect(copy.finish() == expected)
        #expect(copy.rows == 1)
    }

    @Test(
        "timestamptz counts microseconds from 2000-01-01",
        arguments: [
            (Int64(0), Int64(-946_684_800_000_000)),
            (Int64(946_684_800_000_000), Int64(0)),
            (Int64(1_747_379_028_000_000), Int64(800_694_228_000_000)),
            (Int64(1_747_379_028_123_456), Int64(800_694_228_123_456)),
        ])
    func timestamptz(_ unix: Int64, _ postgres: Int64) {
        var copy = PostgresBinaryCopy()
        copy.beginRow(fields: 1)
        copy.timestamptz(unixMicroseconds: unix)
        #expect(copy.finish() == header + [0, 1, 0, 0, 0, 8] + int64(postgres) + trailer)
    }

    @Test("float8 is the big-endian IEEE 754 bit pattern", arguments: [0.0, -0.0, 1.5, -2.25, 24_000, 1e-300, .greatestFiniteMagnitude])
    func float8Bits(_ value: Double) {
        var copy = PostgresBinaryCopy()
        copy.beginRow(fields: 1)
        copy.float8(value)
        #expect(copy.finish() == header + [0, 1, 0, 0, 0, 8] + float8(value) + trailer)
    }

    @Test("text is UTF-8; a NUL becomes U+FFFD")
    func textEncoding() {
        var copy = PostgresBinaryCopy()
        copy.beginRow(fields: 3)
        copy.text("é")
        copy.text("a\u{0}b\u{0}")
        copy.text("")
        let expected =
            header + [0, 3]
            + [0, 0, 0, 2, 0xC3, 0xA9]
            + [0, 0, 0, 8, 0x61, 0xEF, 0xBF, 0xBD, 0x62, 0xEF, 0xBF, 0xBD]
            + [0, 0, 0, 0]
            + trailer
        #expect(copy.finish() == expected)
    }

    @Test("rows are counted")
    func rowCount() throws {
        var copy = PostgresBinaryCopy()
        for number in 0..<3 {
            copy.beginRow(fields: 1)
            copy.text(String(number))
        }
        #expect(copy.rows == 3)
        var reader = CopyReader(bytes: copy.finish())
        #expect(try reader.rows() == [[Array("0".utf8)], [Array("1".utf8)], [Array("2".utf8)]])
    }

    // MARK: - BatchWriter's encoders

    static let message = WireSamples.message(5, line: 0)

    @Test("cnc_data rows: 8 fields in column order")
    func cncDataRows() throws {
        let record = StoredRecord(message: Self.message, cncType: "CNCTypeA", state: WireSamples.fullState)
        var reader = CopyReader(bytes: BatchWriter.encodeCNCData([record, record]))
        let rows = try reader.rows()
        #expect(rows.count == 2)
        #expect(BatchWriter.cncDataColumns.split(separator: ",").count == 8)
        let row = try #require(rows.first)
        #expect(row.count == 8)
        let message = Self.message
        #expect(row[0] == message.id.bytes)
        #expect(row[1] == Array("CNC001".utf8))
        #expect(row[2] == Array("CNCTypeA".utf8))
        #expect(row[3] == Array("program_01".utf8))
        #expect(row[4] == int64(1_747_379_028_000_000 - 946_684_800_000_000))
        #expect(row[5] == [1] + Array(#"{"status": "running","spin":200,"X-Axis":30,"Y-Axis":80}"#.utf8))
        #expect(row[6] == Array(message.topic.utf8))
        #expect(row[7] == int64(message.receivedAt - 946_684_800_000_000))
    }

    @Test("machine_state rows: 22 fields in column order; absent values are NULL, empty lists are empty arrays", arguments: [true, false])
    func machineStateRows(_ full: Bool) throws {
        let state = full ? WireSamples.fullState : WireSamples.bareState
        let record = StoredRecord(message: Self.message, cncType: "CNCTypeB", state: state)
        var reader = CopyReader(bytes: BatchWriter.encodeMachineState([record]))
        let rows = try reader.rows()
        #expect(rows.count == 1)
        #expect(BatchWriter.machineStateColumns.split(separator: ",").count == 22)
        let row = try #require(rows.first)
        #expect(row.count == 22)
        #expect(row[0] == Self.message.id.bytes)
        #expect(row[1] == Array("CNC001".utf8))
        #expect(row[2] == Array("CNCTypeB".utf8))
        #expect(row[3] == int64(1_747_379_028_000_000 - 946_684_800_000_000))
        #expect(row[4] == Array("program_01".utf8))
        #expect(row[5] == Array(state.status.rawValue.utf8))
        #expect(row[6] == state.spindleSpeedRPM.map(float8))
        #expect(row[7] == state.feedRateMMPerMinute.map(float8))
        #expect(row[8] == state.axisXMillimetres.map(float8))
        #expect(row[9] == state.axisYMillimetres.map(float8))
        #expect(row[10] == state.axisZMillimetres.map(float8))
        #expect(row[11] == state.spindleLoadPercent.map(float8))
        #expect(row[12] == state.feedOverridePercent.map(float8))
        #expect(row[13] == state.spindleOverridePercent.map(float8))
        #expect(row[14] == state.partCount.map(int64))
        #expect(row[15] == state.tool.map { Array($0.utf8) })
        #expect(row[16] == state.block.map { Array($0.utf8) })
        #expect(row[17] == state.alarmCode.map { Array($0.utf8) })
        #expect(row[18] == state.alarmText.map { Array($0.utf8) })
        #expect(row[19] == (full ? [1] + Array(#"{"coolant_c":21.5,"door":"closed"}"#.utf8) : nil))
        #expect(row[20] == textArray(state.quality))
        #expect(row[21] == textArray(state.unknownVariables))
        if !full {
            #expect(row[6..<20].allSatisfy { $0 == nil })
            #expect(row[20] == [0, 0, 0, 0] + [0, 0, 0, 0] + [0, 0, 0, 25])
        }
    }

    @Test("rejected_messages rows: 8 fields; an empty cnc_id is NULL; raw bytes unchanged")
    func rejectionRows() throws {
        let withID = WireSamples.rejection(.worker)
        let withoutID = WireSamples.rejection(.ingest, cncID: "")
        var reader = CopyReader(bytes: BatchWriter.encodeRejections([withID, withoutID]))
        let rows = try reader.rows()
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.count == 8 })
        #expect(BatchWriter.rejectedColumns.split(separator: ",").count == 8)
        #expect(rows[0][0] == withID.id.bytes)
        #expect(rows[0][1] == int64(withID.rejectedAt - 946_684_800_000_000))
        #expect(rows[0][2] == int64(withID.receivedAt - 946_684_800_000_000))
        #expect(rows[0][3] == Array("worker".utf8))
        #expect(rows[0][4] == Array(withID.reason.utf8))
        #expect(rows[0][5] == Array("sensor/CNC".utf8))
        #expect(rows[0][6] == Array("CNC002".utf8))
        #expect(rows[0][7] == [0x7B, 0xC3, 0x28, 0x00, 0xFF])
        #expect(rows[1][3] == Array("ingest".utf8))
        #expect(rows[1][6] == nil)
    }

    @Test("the encoders produce an empty but valid COPY for no rows")
    func emptyBatches() throws {
        #expect(BatchWriter.encodeCNCData([]) == header + trailer)
        #expect(BatchWriter.encodeMachineState([]) == header + trailer)
        #expect(BatchWriter.encodeRejections([]) == header + trailer)
    }
}
