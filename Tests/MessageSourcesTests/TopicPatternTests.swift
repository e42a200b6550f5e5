import MessageSources
import Testing

@Suite("TopicPattern")
struct TopicPatternTests {
    @Test("named levels subscribe as + and match as MQTT does")
    func namedLevels() throws {
        let pattern = try TopicPattern("plant/{site}/{line}/{cnc_id}/data")
        #expect(pattern.subscriptionFilter == "plant/+/+/+/data")
        #expect(pattern.names == ["site", "line", "cnc_id"])
        #expect(pattern.level(named: "cnc_id") == 3)
        #expect(pattern.matches("plant/hall1/line2/CNC013/data"))
        #expect(pattern.matches("plant/hall1//CNC013/data"))
        #expect(!pattern.matches("plant/hall1/line2/CNC013"))
        #expect(!pattern.matches("plant/hall1/line2/CNC013/data/x"))
        #expect(!pattern.matches("other/hall1/line2/CNC013/data"))
    }

    @Test("# matches the level before it and every one after; $ topics need a literal first level")
    func multiLevel() throws {
        let pattern = try TopicPattern("sensor/#")
        #expect(pattern.matches("sensor"))
        #expect(pattern.matches("sensor/a/b"))
        #expect(!pattern.matches("sensors/a"))
        #expect(try !TopicPattern("#").matches("$SYS/broker"))
        #expect(try !TopicPattern("+/broker").matches("$SYS/broker"))
        #expect(try TopicPattern("$SYS/#").matches("$SYS/broker"))
        #expect(try TopicPattern("sensor/CNC").matches("sensor/CNC"))
        #expect(try !TopicPattern("sensor/CNC").matches("sensor/CNC2"))
    }

    @Test("a shared subscription's group is no part of the topics")
    func shared() throws {
        let pattern = try TopicPattern("$share/cnc/plant/{cnc_id}/data")
        #expect(pattern.shareGroup == "cnc")
        #expect(pattern.subscriptionFilter == "$share/cnc/plant/+/data")
        #expect(pattern.matches("plant/CNC1/data"))
    }

    @Test("broken patterns are refused with the reason", arguments: ["", "a/#/b", "a/b+", "a/{x", "a/{1x}", "a/{x}/{x}", "$share/a", "$share//a"])
    func broken(_ text: String) {
        #expect(throws: TopicPatternError.self) { try TopicPattern(text) }
    }
}
