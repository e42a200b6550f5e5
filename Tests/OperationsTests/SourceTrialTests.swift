import Foundation
import MachineTypes
import MessageSources
import TestSupport
import Testing

@testable import Operations

@Suite("Source trials")
struct SourceTrialTests {
    @Test("the sample plant's messages, end to end through the sample sources, the type map and the shipped types")
    func samplePlant() throws {
        let root = Fixtures.packageRoot.path
        let (sources, errors) = SourceCatalog.load(directory: "\(root)/sample_data/sources", defaultTopic: "unused")
        #expect(errors.isEmpty)
        let map = try CNCTypeMap.load(path: "\(root)/deploy/cnc_types.json", catalog: Fixtures.shippedTypes)
        let trial = try SourceTrial(sources: sources, map: map, types: Fixtures.shippedTypes)
        let lines = try String(contentsOfFile: "\(root)/sample_data/plant_messages.txt", encoding: .utf8).split(separator: "\n")
        let outcomes = lines.map { line in
            let space = line.firstIndex(of: " ")!
            return trial.outcome(topic: String(line[..<space]), raw: Array(line[line.index(after: space)...].utf8))
        }
        #expect(outcomes.map(\.stored) == [true, true, true, true, false, false])
        #expect(
            outcomes[0].lines == [
                #"source plant: CNC001 at 2025-12-06T03:00:05.123456Z, program "P7", tags site=hall1 line=line2, "#
                    + #"payload {"status":"running","spin":"1200","X-Axis":1.5,"Y-Axis":2}"#,
                "CNCTypeA: CNC001: stored status=running spindle_speed_rpm=1200 axis_x_mm=1.5 axis_y_mm=2 quality=[text:spin]",
            ])
        #expect(outcomes[1].lines[0].hasPrefix("source plant: CNC002 at 2025-12-06T03:00:05Z, program none, tags site=hall1 line=line2"))
        #expect(outcomes[3].lines[0].hasPrefix("source envelope: CNC002 at 2025-12-06T03:00:07Z, program none, payload"))
        #expect(outcomes[5].lines == [#"refused by ingest: no source reads topic "plant/hall1/CNC001/data""#])
    }

    @Test("RFC 3339 in UTC to the microsecond, the fraction only where there is one")
    func rfc3339() {
        #expect(SourceTrial.rfc3339(0) == "1970-01-01T00:00:00Z")
        #expect(SourceTrial.rfc3339(1_764_990_005_000_001) == "2025-12-06T03:00:05.000001Z")
        #expect(SourceTrial.rfc3339(253_402_300_799_999_999) == "9999-12-31T23:59:59.999999Z")
    }
}
