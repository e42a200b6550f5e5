import Testing

@testable import Board

@Suite struct AvailabilityTableTests {
    static let row = BoardQueries.AvailabilityRow(
        cncID: "CNC001", shift: "early", from: "2026-12-06T05:00:00+00:00", to: "2026-12-06T13:00:00+00:00",
        seconds: ["running": 3_600, "idle": 1_800], knownSeconds: 5_400, availability: 2.0 / 3.0, parts: 30, idealRunningSeconds: 1_800)

    @Test("performance is the parts' ideal time over the time running, and unknown without an ideal time")
    func performance() {
        #expect(Self.row.performance == 0.5)
        var unknown = Self.row
        unknown.idealRunningSeconds = nil
        #expect(unknown.performance == nil)
    }

    @Test("CSV: a header and a line a period, fields a spreadsheet would take for formulas made text")
    func csv() {
        var hostile = Self.row
        hostile.cncID = "=cmd"
        hostile.shift = "late, \"B\""
        let lines = AvailabilityTable.csv([Self.row, hostile]).split(separator: "\r\n")
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("cnc_id,shift,from,to,running_s,idle_s"))
        #expect(lines[1].hasPrefix("CNC001,early,2026-12-06T05:00:00+00:00,2026-12-06T13:00:00+00:00,3600.0,1800.0,,"))
        #expect(lines[2].hasPrefix("'=cmd,\"late, \"\"B\"\"\","))
    }

    @Test("JSON text: one line, markup and quotes escaped")
    func jsonText() {
        #expect(JSONText.quoted("a\"b\\c\n</script>\u{1}") == #""a\"b\\c\n</script>\u0001""#)
        #expect(JSONText.number(.nan) == "null")
    }
}
