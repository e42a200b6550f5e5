import TestSupport
import Testing

@testable import CNCPlugins
@testable import CollectorCore

@Suite("Rejection classes")
struct RejectionClassTests {
    @Test(
        "every reason the validator gives has its class",
        arguments: [
            ([UInt8](), RejectionClass.empty),
            (Array(#"{"cnc_id":"C1","part_program":"p","timestamp":"1","payload":{}"#.utf8) + Array(repeating: 32, count: 100), .tooLarge),
            ([0x7B, 0xC3, 0x28, 0x7D], .utf8),
            (Array("not json".utf8), .json),
            (Array(#"{"cnc_id":"C1","part_program":"p","timestamp":"1""#.utf8), .json),
            (Array(#"{"cnc_id":"C1","cnc_id":"C2"}"#.utf8), .json),
            (Array(#"{"cnc_id":"C1","part_program":"p","timestamp":"1"}"#.utf8), .missingField),
            (Array(#"{"cnc_id":7,"part_program":"p","timestamp":"1","payload":{}}"#.utf8), .invalidField),
            (Array(#"{"cnc_id":"C1","part_program":"p","timestamp":"yesterday","payload":{}}"#.utf8), .invalidField),
            (Array(#"{"cnc_id":"C 1","part_program":"p","timestamp":"1","payload":{}}"#.utf8), .invalidField),
        ] as [([UInt8], RejectionClass)])
    func validation(_ raw: [UInt8], _ expected: RejectionClass) throws {
        let validator = MessageValidator(limits: ValidationLimits(maxMessageBytes: 80, maxDepth: 16))
        guard case .failure(let failure) = validator.validate(raw) else {
            Issue.record("accepted")
            return
        }
        #expect(RejectionClass(stage: .ingest, reason: failure.reason) == expected, "\(failure.reason)")
    }

    @Test(
        "the other stages' reasons",
        arguments: [
            (Stage.router, #"unknown cnc_id "CNC999": not in the type map"#, RejectionClass.unknownCNCID),
            (.router, "undecodable frame: truncated", .undecodableFrame),
            (.worker, #"CNCTypeA: variable "spin" must be a number"#, .plugin),
            (.worker, "CNCTypeB: payload: nesting deeper than 16", .plugin),
            (.worker, "undecodable frame: not a messages frame", .undecodableFrame),
            (.sink, "database refused the row: value too long", .database),
            (.sink, "reached the sink unprocessed: a stage is misconfigured", .misrouted),
            (.sink, "undecodable frame: bad tag", .undecodableFrame),
            (.ingest, #"no source reads topic "plant/x""#, .noSource),
            (.ingest, "Sparkplug B: not a Sparkplug B payload (protobuf: truncated)", .sparkplug),
            (.ingest, #"topic "plant/x" has no level 4"#, .invalidField),
            (.ingest, #"missing payload field "machine""#, .missingField),
            (.ingest, #"payload field "machine" must be a string, not number"#, .invalidField),
            (.sink, "something new", .other),
        ] as [(Stage, String, RejectionClass)])
    func stages(_ stage: Stage, _ reason: String, _ expected: RejectionClass) {
        #expect(RejectionClass(stage: stage, reason: reason) == expected)
    }

    @Test("labels are snake_case and few")
    func labels() {
        #expect(RejectionClass.allCases.count <= 14)
        for label in RejectionClass.allCases.map(\.rawValue) {
            #expect(label.allSatisfy { $0.isLowercase || $0 == "_" || $0.isNumber }, "\(label)")
        }
    }
}
