/// A `messages` frame taken apart without decoding its records: where each record lies and
/// its `cnc_id`, which is all the router needs to pass the record on to its type's workers.
/// The records' bytes are copied as they are into the outgoing frames, so the router neither
/// builds strings for the other fields nor encodes them again.
///
/// A frame that `WireFrame.decode` refuses is refused here too: the same bounds, the same
/// payload-range rule, no bytes left over.
public struct MessageFrameIndex: Sendable {
    /// One record of the frame: where it lies and which machine it is of.
    public struct Record: Sendable {
        /// The record's bytes within the frame.
        public var range: Range<Int>
        /// The record's `cnc_id`, decoded as `ByteReader.readString()` decodes a string.
        public var cncID: String
    }

    /// The frame as received.
    public let frame: [UInt8]
    /// The frame's version, which the frames made of its records keep: their layout is the version's.
    public let version: UInt8
    /// The frame's records, in their order.
    public let records: [Record]

    /// Indexes a `messages` frame of any readable version; throws `DecodingError` for a frame of
    /// another kind and for any that `WireFrame.decode` refuses.
    public init(_ frame: [UInt8]) throws(WireFrame.DecodingError) {
        var reader = ByteReader(frame)
        let (version, kind, count) = try reader.readFrameHeader()
        guard kind == .messages else { throw .invalid("not a messages frame") }
        var records: [Record] = []
        records.reserveCapacity(Int(count))
        for _ in 0..<count {
            let start = reader.offset
            let cncID = try reader.skipMessage(version: version)
            records.append(Record(range: start..<reader.offset, cncID: cncID))
        }
        guard reader.remaining == 0 else { throw .invalid("\(reader.remaining) trailing bytes") }
        self.frame = frame
        self.version = version
        self.records = records
    }

    /// A `messages` frame of the given records, in their order, of this frame's version.
    public func frame(of selected: [Record]) -> [UInt8] {
        var writer = ByteWriter(capacity: 6 + selected.reduce(0) { $0 + $1.range.count })
        writer.writeFrameHeader(version: version, kind: .messages, count: selected.count)
        for record in selected { writer.write(raw: frame[record.range]) }
        return writer.bytes
    }

    /// One record decoded in full (for the rare message the router refuses).
    public func message(_ record: Record) throws(WireFrame.DecodingError) -> CNCMessage {
        var reader = ByteReader(frame, offset: record.range.lowerBound)
        return try reader.readMessage(version: version)
    }
}
