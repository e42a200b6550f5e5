import CollectorCore

/// Reads each message as the source of its topic says: what ingest and `mesctl try-source` do
/// with every message.
public struct SourceReader: Sendable {
    /// The catalog whose sources it reads by.
    public let catalog: SourceCatalog
    /// One for each of the catalog's sources, in their order.
    private let validators: [MessageValidator]

    /// A reader of the catalog's sources, each message checked against `limits`.
    public init(_ catalog: SourceCatalog, limits: ValidationLimits) {
        self.catalog = catalog
        self.validators = catalog.sources.map { MessageValidator(limits: limits, layout: $0.layout) }
    }

    /// The fields of a message published on `topic`, or why it cannot be read.
    public func read(_ raw: [UInt8], topic: String) -> Result<ValidatedFields, ValidationFailure> {
        read(raw, topic: topic, source: catalog.source(for: topic))
    }

    /// The same, for a message whose source (`catalog.source(for: topic)`) is known.
    public func read(_ raw: [UInt8], topic: String, source: Int?) -> Result<ValidatedFields, ValidationFailure> {
        guard let source else {
            return .failure(ValidationFailure(reason: "no source reads topic \"\(topic.prefix(128))\"", cncID: ""))
        }
        return validators[source].validate(raw, topic: topic)
    }
}
