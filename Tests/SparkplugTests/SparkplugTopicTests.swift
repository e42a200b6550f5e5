import Testing

@testable import Sparkplug

@Suite("Sparkplug topics")
struct SparkplugTopicTests {
    @Test("node and device messages, and a host's state")
    func readable() throws {
        #expect(
            try SparkplugTopic.parse("spBv1.0/plant1/NDATA/lineA")
                == .message(SparkplugTopic(group: "plant1", messageType: .nodeData, edgeNode: "lineA")))
        #expect(
            try SparkplugTopic.parse("spBv1.0/plant1/DBIRTH/lineA/CNC101")
                == .message(SparkplugTopic(group: "plant1", messageType: .deviceBirth, edgeNode: "lineA", device: "CNC101")))
        #expect(try SparkplugTopic.parse("spBv1.0/STATE/scada1") == .hostState(hostID: "scada1"))
        #expect(SparkplugTopic(group: "g", messageType: .nodeCommand, edgeNode: "e").text == "spBv1.0/g/NCMD/e")
    }

    @Test(
        "a topic with missing, extra or empty levels is refused with the reason",
        arguments: [
            ("spBv1.0/plant1/DDATA/lineA", "lacks the device"),
            ("spBv1.0/plant1/NDATA/lineA/CNC1", "levels past the edge node"),
            ("spBv1.0/plant1/NDATA", "has 3 levels"),
            ("spBv1.0/plant1/XDATA/lineA", "not a Sparkplug B message type"),
            ("spBv1.0//NDATA/lineA", "empty level 2"),
            ("spAv1.0/plant1/NDATA/lineA", "not in the Sparkplug B namespace"),
        ])
    func refused(topic: String, reason: String) {
        #expect(throws: SparkplugError.self) { try SparkplugTopic.parse(topic) }
        do {
            _ = try SparkplugTopic.parse(topic)
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
