import Foundation
import MachineTypes
import TestSupport
import Testing

@testable import Operations

/// `mesctl try-type` on sample messages: the rows a type would store, or why a message is refused.
@Suite("Type trial")
struct TypeTrialTests {
    @Test("a shipped type on the seed's samples, and a description not deployed yet on odd and broken messages")
    func trial() throws {
        let shipped = try TypeTrial(type: "CNCTypeA", catalog: Fixtures.shippedTypes)
        #expect(
            Fixtures.sampleBytes.map { shipped.outcome(of: $0).text } == [
                "CNC001: stored status=running spindle_speed_rpm=200 axis_x_mm=30 axis_y_mm=80",
                "CNC002: stored status=idle spindle_speed_rpm=0 axis_x_mm=0 axis_y_mm=0",
                "CNC001: stored status=error spindle_speed_rpm=100 axis_x_mm=25 axis_y_mm=75",
            ])

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("Press_\(UInt32.random(in: 0...UInt32.max)).yaml").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
        name: Press
        status: {variable: mode, map: {"2": running, "0": idle}}
        fields:
          part_count: {variable: strokes, required: true}
          spindle_load_pct: {variable: force, unit: fraction, plausible: [0, 100]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let press = try TypeTrial(type: file, catalog: Fixtures.shippedTypes)
        #expect(press.typeName == "Press")
        let lines = [
            #"{"cnc_id":"P1","part_program":"die-4","timestamp":"1","payload":{"mode":2,"strokes":120,"force":1.2,"oil":"ok"}}"#,
            #"{"cnc_id":"P1","part_program":"die-4","timestamp":"1","payload":{"mode":0}}"#,
            #"{"cnc_id":"P1","timestamp":"2025-12-06T03:00:05Z","payload":{"mode":"2","strokes":"12"}}"#,
            #"{"cnc_id":"P1","timestamp":"yesterday","payload":{}}"#,
        ]
        #expect(
            lines.map { press.outcome(of: Array($0.utf8)).text } == [
                "P1: stored status=running spindle_load_pct=120 part_count=120 quality=[range:force] unknown_variables=[oil]",
                #"P1: refused by the worker: Press: missing variable "strokes""#,
                "P1: stored status=running part_count=12 quality=[text:strokes]",
                #"refused by ingest: field "timestamp" must be Unix seconds, Unix milliseconds or RFC 3339, not "yesterday""#,
            ])
        #expect(throws: TrialError.self) { try TypeTrial(type: "NoSuchType", catalog: Fixtures.shippedTypes) }
    }

    @Test("measuring a type maps every accepted message once per round")
    func measure() throws {
        let trial = try TypeTrial(type: "CNCTypeB", catalog: Fixtures.shippedTypes)
        let cost = trial.measure(Fixtures.sampleBytes + [Array("not json".utf8)], rounds: 4)
        #expect(cost.messages == 12)
        #expect(cost.seconds > 0 && cost.cpuSeconds >= 0)
    }

    @Test("numbers show as a person reads them: a unit conversion's binary remainder is left out")
    func shownNumbers() {
        #expect(TypeTrial.shown(1.5 * 25.4) == "38.1")
        #expect(TypeTrial.shown(1200) == "1200")
        #expect(TypeTrial.shown(-0.25) == "-0.25")
        #expect(TypeTrial.shown(1_234_567_890_123) == "1234567890123")
    }
}
