import Foundation
import Synchronization

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// What an agent answers: the devices and their DataItems (`/probe`), observations (`/current`,
/// `/sample`), or an error document, each read whole or refused with the reason.
public enum MTConnectDocument: Sendable, Equatable {
    case devices(ProbeDocument)
    case streams(StreamsDocument)
    case error(MTConnectErrorDocument)

    /// Reads an agent's XML answer. A document over `limits`, malformed XML, or one of another
    /// kind is refused with a reason that says which; nothing of it is returned half.
    /// Safe to call from any thread: parses in one process run one at a time.
    public static func parse(_ bytes: [UInt8], limits: MTConnectLimits = MTConnectLimits()) throws(MTConnectError) -> MTConnectDocument {
        guard bytes.count <= limits.maxDocumentBytes else {
            throw MTConnectError("a document of \(bytes.count) bytes exceeds the limit of \(limits.maxDocumentBytes)")
        }
        // The standard's documents are UTF-8. Names that are not crash FoundationXML's parser
        // (it traps on a namespace prefix of invalid UTF-8), so such a document is refused first.
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw MTConnectError("the document is not UTF-8 text")
        }
        // FoundationXML also crashes on a processing instruction without data (`<?x?>`): it reads
        // the missing data as a C string. No agent sends one.
        if let target = emptyProcessingInstruction(in: bytes) {
            throw MTConnectError("the document holds a processing instruction without data, <?\(target)?>")
        }
        let reader = MTConnectXMLReader(limits: limits)
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        parser.delegate = reader
        // libxml2, under FoundationXML on Linux, keeps global state that two parses at once
        // corrupt: one parse at a time in the process.
        let parsed = xmlParsing.withLock { _ in parser.parse() }
        if let failure = reader.failure { throw failure }
        guard parsed else {
            let line = parser.lineNumber, column = parser.columnNumber
            let cause = parser.parserError.map { " (\(($0 as NSError).code))" } ?? ""
            throw MTConnectError("not well-formed XML at line \(line), column \(column)\(cause)")
        }
        guard let document = reader.document else {
            throw MTConnectError(
                reader.root.map { "the document ends before its \($0) element is closed: it was cut short" }
                    ?? "the document holds no MTConnectDevices, MTConnectStreams or MTConnectError")
        }
        return document
    }
}

/// Held for each parse: see `MTConnectDocument.parse`.
private let xmlParsing = Mutex(())

extension MTConnectDocument {
    /// The target of the first processing instruction (`<?target data?>`) that has no data.
    static func emptyProcessingInstruction(in bytes: [UInt8]) -> String? {
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), bytes[index + 1] == UInt8(ascii: "?") else {
                index += 1
                continue
            }
            var end = index + 2
            while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "?") && bytes[end + 1] == UInt8(ascii: ">")) { end += 1 }
            let body = bytes[(index + 2)..<min(end, bytes.count)]
            let target = body.prefix { !isSpace($0) }
            if body.dropFirst(target.count).allSatisfy(isSpace) { return String(decoding: target.prefix(32), as: UTF8.self) }
            index = end + 2
        }
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
}

/// Bounds on what one agent document may hold: an agent's buffer is finite, and a document far
/// larger than any agent sends is an error or an attack, not data.
public struct MTConnectLimits: Sendable, Equatable {
    /// The largest document read, in bytes; default 16 MiB.
    public var maxDocumentBytes: Int
    /// The most observations one document may hold; default 100 000.
    public var maxObservations: Int
    /// The deepest nesting of elements, the document element counting as 1; default 64.
    public var maxDepth: Int
    /// Text of one observation or error longer than this, in UTF-8 bytes, is cut, and an
    /// observation marked `truncated`; default 65 536. Attributes are not cut.
    public var maxValueBytes: Int

    /// Bounds; each defaults as its property says.
    public init(maxDocumentBytes: Int = 16 << 20, maxObservations: Int = 100_000, maxDepth: Int = 64, maxValueBytes: Int = 65_536) {
        self.maxDocumentBytes = maxDocumentBytes
        self.maxObservations = maxObservations
        self.maxDepth = maxDepth
        self.maxValueBytes = maxValueBytes
    }
}

/// Why an agent's answer cannot be read: the reason the source logs and counts.
public struct MTConnectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, in words for the log.
    public var reason: String

    /// An error for `reason`.
    public init(_ reason: String) {
        self.reason = reason
    }

    /// The reason, as it is.
    public var description: String { reason }
}
