import Testing

@testable import Worker

@Suite("Data quality report")
struct DataQualityReportTests {
    @Test("a name that is a label value already is kept as it is")
    func keptNames() {
        for name in ["spin", "X-Axis", "sensor_042", "plc.temp:1", String(repeating: "a", count: 64)] {
            #expect(DataQualityReport.labelValue(name) == name)
        }
    }

    @Test(
        "other characters become underscores, one a character, and names are cut at 64 characters",
        arguments: [
            ("Spindel Temp", "Spindel_Temp"), ("Drehzahl/min", "Drehzahl_min"), ("Temperatur °C", "Temperatur__C"), ("Über", "_ber"),
            (String(repeating: "b", count: 70), String(repeating: "b", count: 64)), ("", ""),
        ])
    func replacedCharacters(name: String, label: String) {
        #expect(DataQualityReport.labelValue(name) == label)
    }
}
