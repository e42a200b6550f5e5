import Foundation
import Testing

@testable import MTConnect

@Suite("MTConnect documents")
struct MTConnectDocumentTests {
    static func fixture(_ name: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    static func parse(_ text: String, limits: MTConnectLimits = MTConnectLimits()) throws(MTConnectError) -> MTConnectDocument {
        try MTConnectDocument.parse(Array(text.utf8), limits: limits)
    }

    @Test("a probe: each device with its DataItems and the component that owns each; the agent's own device marked")
    func probe() throws {
        guard case .devices(let probe) = try MTConnectDocument.parse(try Self.fixture("probe.xml")) else {
            Issue.record("not a devices document")
            return
        }
        #expect(probe.header.instanceID == 1_764_990_000)
        #expect(probe.header.bufferSize == 131_072)
        #expect(probe.devices.map(\.name) == ["Agent", "VMC-3Axis"])
        #expect(probe.devices.map(\.isAgent) == [true, false])
        let mill = probe.devices[1]
        #expect(mill.uuid == "mill-001")
        #expect(mill.dataItems.count == 20)
        let speed = try #require(mill.dataItems.first { $0.id == "Sspeed" })
        #expect(speed.type == "ROTARY_VELOCITY")
        #expect(speed.subType == "ACTUAL")
        #expect(speed.category == .sample)
        #expect(speed.units == "REVOLUTION/MINUTE")
        #expect(speed.component == ComponentReference(type: "Rotary", name: "C", id: "c"))
        let execution = try #require(mill.dataItems.first { $0.id == "exec" })
        #expect(execution.name == "execution")
        #expect(execution.component == ComponentReference(type: "Path", name: "path", id: "path1"))
        #expect(mill.dataItems.first { $0.id == "avail" }?.component == ComponentReference(type: "Device", name: "VMC-3Axis", id: "d1"))
        #expect(mill.dataItems.first { $0.id == "system" }?.category == .condition)
        #expect(mill.dataItems.first { $0.id == "ppos" }?.representation == "TIME_SERIES")
    }

    /// Documents that the Python library `mtconnect` 0.3.3 (PyPI) made, served as it answered:
    /// another implementation than ours, with its deviations from the standard.
    @Test("another implementation's documents (Python mtconnect 0.3.3): no namespace, no nextSequence, Conditions by type, MTInvalidRange")
    func pythonLibraryDocuments() throws {
        guard case .devices(let probe) = try MTConnectDocument.parse(try Self.fixture("python-mtconnect-0.3.3/probe.xml")) else {
            Issue.record("the probe is not a devices document")
            return
        }
        #expect(probe.header.instanceID == 9_551_991_372_141_056_050)
        #expect(probe.devices.map(\.name) == ["Mill1"])
        #expect(Set(probe.devices[0].dataItems.map(\.id)) == ["avail", "Srpm", "system", "exec", "mode", "pc"])
        #expect(probe.devices[0].dataItems.first { $0.id == "pc" }?.component == ComponentReference(type: "Path", name: "path", id: "path1"))
        guard case .streams(let sample) = try MTConnectDocument.parse(try Self.fixture("python-mtconnect-0.3.3/sample_from1_count5.xml")) else {
            Issue.record("the sample is not a streams document")
            return
        }
        #expect(sample.header.nextSequence == nil)
        let observations = sample.devices[0].observations
        // Its `from` is exclusive: asked from 1, it answers 2 to 6.
        #expect(observations.map(\.sequence).sorted() == [2, 3, 4, 5, 6])
        #expect(observations.allSatisfy { $0.value == .unavailable })
        #expect(observations.first { $0.dataItemID == "system" }.map(\.category) == .condition)
        #expect(observations.first { $0.dataItemID == "system" }?.condition?.type == "SYSTEM")
        #expect(MTConnectXMLReader.typeName("LogicProgram") == "LOGIC_PROGRAM")
        #expect(MTConnectXMLReader.typeName("OutOfRange") == "OUT_OF_RANGE")
        guard case .streams(let current) = try MTConnectDocument.parse(try Self.fixture("python-mtconnect-0.3.3/current.xml")) else {
            Issue.record("the current values are not a streams document")
            return
        }
        #expect(current.devices[0].observations.count == 6)
        guard case .error(let error) = try MTConnectDocument.parse(try Self.fixture("python-mtconnect-0.3.3/sample_out_of_range.xml")) else {
            Issue.record("not an error document")
            return
        }
        #expect(error.errors.map(\.code) == ["MTInvalidRange"])
        #expect(!error.isOutOfRange)
    }

    @Test("a sample: sequences, times to the microsecond, values, UNAVAILABLE, a fault with its native code, data sets and time series")
    func sample() throws {
        guard case .streams(let streams) = try MTConnectDocument.parse(try Self.fixture("sample.xml")) else {
            Issue.record("not a streams document")
            return
        }
        #expect(streams.header.firstSequence == 1)
        #expect(streams.header.lastSequence == 111)
        #expect(streams.header.nextSequence == 112)
        #expect(streams.devices.map(\.name) == ["VMC-3Axis"])
        let observations = streams.devices[0].observations
        #expect(observations.map(\.sequence) == Array(101...111))
        let byID = Dictionary(uniqueKeysWithValues: observations.map { ($0.dataItemID, $0) })
        #expect(byID["avail"]?.timestamp == 1_796_551_201_000_001)
        #expect(byID["Xact"]?.value == .text("12.5"))
        #expect(byID["Xact"]?.subType == "ACTUAL")
        #expect(byID["Xact"]?.component == ComponentReference(type: "Linear", name: "X", id: "x"))
        #expect(byID["Xload"]?.value == .unavailable)
        #expect(byID["Xtravel"]?.condition == .init(level: .normal, type: "POSITION"))
        let fault = try #require(byID["system"])
        #expect(fault.category == .condition)
        #expect(fault.condition == .init(level: .fault, type: "SYSTEM", nativeCode: "1001", nativeSeverity: "2", qualifier: "HIGH"))
        #expect(fault.value == .text("Spindle over temperature & stopped"))
        #expect(byID["logic"]?.value == .unavailable)
        #expect(byID["logic"]?.condition?.level == .unavailable)
        #expect(byID["ppos"]?.value == .series(["1", "2", "3", "4", "5", "6"]))
        #expect(byID["exec"]?.element == "Execution")
        #expect(byID["exec"]?.name == "execution")
        #expect(byID["exec"]?.value == .text("ACTIVE"))
        #expect(byID["pc"]?.category == .event)
        #expect(byID["vars"]?.value == .entries([.init(key: "R100", value: "5.5"), .init(key: "R101", value: "", removed: true)]))
        #expect(byID["vars"]?.timestamp == 1_796_551_204_250_000)
    }

    @Test("an error document: OUT_OF_RANGE as 2.0 writes it, and as 2.5 does")
    func errors() throws {
        guard case .error(let error) = try MTConnectDocument.parse(try Self.fixture("out_of_range.xml")) else {
            Issue.record("not an error document")
            return
        }
        #expect(error.isOutOfRange)
        #expect(error.errors == [.init(code: "OUT_OF_RANGE", text: "'from' must be greater than or equal to 1")])
        #expect(error.header?.instanceID == 1_764_990_000)
        guard case .error(let newer) = try MTConnectDocument.parse(try Self.fixture("out_of_range_2_5.xml")) else {
            Issue.record("not an error document")
            return
        }
        #expect(newer.errors == [.init(code: "OUT_OF_RANGE", text: "'from' must be greater than or equal to 1")])
    }

    static let header = #"<Header instanceId="7" nextSequence="3" firstSequence="1" lastSequence="2" bufferSize="8"/>"#

    static func streams(_ observations: String) -> String {
        """
        <MTConnectStreams xmlns="urn:mtconnect.org:MTConnectStreams:2.0">\(header)<Streams><DeviceStream name="m" uuid="u">\
        <ComponentStream component="Path" componentId="p"><Events>\(observations)</Events></ComponentStream>\
        </DeviceStream></Streams></MTConnectStreams>
        """
    }

    @Test(
        "bad input is refused with its reason, never a crash",
        arguments: [
            ("<MTConnectStreams><Header instanceId=\"1\"/><Streams>", "the document ends before its MTConnectStreams element is closed"),
            ("plain text", "not well-formed XML at line 1"),
            ("<?x?>\n<MTConnect\"Error xmlns:m=\"urn:m", "the document holds a processing instruction without data, <?x?>"),
            ("<html><body>502 Bad Gateway</body></html>", "the document is a html, not MTConnectDevices, MTConnectStreams or MTConnectError"),
            ("<MTConnectStreams><Streams/></MTConnectStreams>", "the MTConnectStreams document has no Header"),
            ("<MTConnectStreams><Header instanceId=\"x\"/></MTConnectStreams>", "the Header has no instanceId, or one that is not a whole number"),
            (
                "<MTConnectStreams><Header instanceId=\"1\" nextSequence=\"-4\"/></MTConnectStreams>",
                "the Header's nextSequence \"-4\" is not a whole number"
            ),
            (
                streams(#"<Execution dataItemId="e" timestamp="2026-12-06T10:00:00Z">ACTIVE</Execution>"#),
                "observation e has no sequence, or one that is not a whole number"
            ),
            (
                streams(#"<Execution dataItemId="e" sequence="1" timestamp="yesterday">ACTIVE</Execution>"#),
                "observation e at sequence 1: timestamp \"yesterday\" is not an ISO 8601 time"
            ),
            (
                streams(#"<Execution sequence="1" timestamp="2026-12-06T10:00:00Z">ACTIVE</Execution>"#),
                "a Execution observation without a dataItemId"
            ),
            (
                "<MTConnectDevices><Header instanceId=\"1\"/><Devices><Device id=\"d\"><DataItems><DataItem id=\"a\" type=\"X\" category=\"OTHER\"/>"
                    + "</DataItems></Device></Devices></MTConnectDevices>",
                "DataItem a: category \"OTHER\" is not SAMPLE, EVENT or CONDITION"
            ),
        ])
    func badInput(_ text: String, reason: String) {
        #expect {
            try Self.parse(text)
        } throws: { error in
            (error as? MTConnectError)?.reason.hasPrefix(reason) == true
        }
    }

    @Test("bounds: a document over the size, too many observations, too deep nesting, an overlong value cut and marked")
    func bounds() throws {
        let one = Self.streams(#"<Execution dataItemId="e" sequence="1" timestamp="2026-12-06T10:00:00Z">ACTIVE</Execution>"#)
        #expect(throws: MTConnectError("a document of \(one.utf8.count) bytes exceeds the limit of 100")) {
            try Self.parse(one, limits: MTConnectLimits(maxDocumentBytes: 100))
        }
        let three = Self.streams(
            (1...3).map { #"<Execution dataItemId="e" sequence="\#($0)" timestamp="2026-12-06T10:00:00Z">ACTIVE</Execution>"# }.joined())
        #expect(throws: MTConnectError("more than 2 observations in one document")) {
            try Self.parse(three, limits: MTConnectLimits(maxObservations: 2))
        }
        let deep = "<MTConnectStreams>" + String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100) + "</MTConnectStreams>"
        #expect(throws: MTConnectError("elements nested deeper than 64")) { try Self.parse(deep) }
        let long = Self.streams(
            #"<Program dataItemId="p" sequence="1" timestamp="2026-12-06T10:00:00Z">"# + String(repeating: "G1 X1 ", count: 100) + "</Program>")
        guard case .streams(let streams) = try Self.parse(long, limits: MTConnectLimits(maxValueBytes: 10)) else {
            Issue.record("not streams")
            return
        }
        #expect(streams.devices[0].observations[0].value == .text("G1 X1 G1 X"))
        #expect(streams.devices[0].observations[0].truncated)
        // A character the bound would cut in half is left out whole.
        let accented = Self.streams(#"<Program dataItemId="p" sequence="1" timestamp="2026-12-06T10:00:00Z">Fräsen außen</Program>"#)
        guard case .streams(let cut) = try Self.parse(accented, limits: MTConnectLimits(maxValueBytes: 3)) else {
            Issue.record("not streams")
            return
        }
        #expect(cut.devices[0].observations[0].value == .text("Fr"))
    }

    @Test("bytes that are not UTF-8 are refused before the XML parser sees them; prefixed names are read by their local names")
    func encodingAndPrefixes() throws {
        var bytes = Array(
            #"<m:MTConnectStreams xmlns:m="urn:mtconnect.org:MTConnectStreams:2.0"><m:Header instanceId="1"/></m:MTConnectStreams>"#.utf8)
        guard case .streams(let streams) = try MTConnectDocument.parse(bytes) else {
            Issue.record("not streams")
            return
        }
        #expect(streams.header.instanceID == 1)
        bytes.insert(0xED, at: 3)
        #expect(throws: MTConnectError("the document is not UTF-8 text")) { try MTConnectDocument.parse(bytes) }
    }

    @Test("a time without its zone is UTC, as the standard has all times")
    func timeWithoutZone() {
        #expect(MTConnectXMLReader.microseconds("2026-12-06T10:00:00.5") == MTConnectXMLReader.microseconds("2026-12-06T10:00:00.5Z"))
        #expect(MTConnectXMLReader.microseconds("2026-12-06T11:00:00+01:00") == MTConnectXMLReader.microseconds("2026-12-06T10:00:00Z"))
    }
}
