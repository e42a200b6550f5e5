import PipelineSettings
import Testing

@Suite struct ShiftCalendarTests {
    @Test("three shifts around the clock, the night ending the next day")
    func threeShifts() throws {
        let calendar = try ShiftCalendar(parsing: "early=06:00-14:00, late=14:00-22:00,night=22:00-06:00")
        #expect(calendar.names == ["early", "late", "night"])
        #expect(calendar.starts == ["06:00", "14:00", "22:00"])
        #expect(calendar.ends == ["14:00", "22:00", "06:00"])
    }

    @Test("a gap between shifts is allowed")
    func gaps() throws {
        #expect(try ShiftCalendar(parsing: "day=07:30-16:00").shifts.count == 1)
        #expect(try ShiftCalendar(parsing: "a=06:00-12:00,b=13:00-18:00").shifts.count == 2)
    }

    @Test(
        "what cannot be a calendar is refused with the shift and the reason",
        arguments: [
            ("early=06:00-14:00,late=13:00-22:00", "shifts \"early\" and \"late\" overlap"),
            ("night=22:00-06:00,early=05:00-14:00", "shifts \"night\" and \"early\" overlap"),
            ("early=06:00-14:00,early=15:00-16:00", "shift \"early\" is named twice"),
            ("early=6:00-14:00", "is not NAME=HH:MM-HH:MM"),
            ("early=+6:00-14:00", "is not NAME=HH:MM-HH:MM"),
            ("early=06:00-24:00", "is not NAME=HH:MM-HH:MM"),
            ("early", "is not NAME=HH:MM-HH:MM"),
            ("x=06:00-06:00", "starts when it ends"),
            ("<b>=06:00-07:00", "a name is letters"),
        ])
    func refused(text: String, reason: String) {
        #expect {
            try ShiftCalendar(parsing: text)
        } throws: { error in
            "\(error)".contains(reason)
        }
    }
}
