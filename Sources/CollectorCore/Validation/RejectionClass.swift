/// A rejection reason reduced to a few stable classes, for metric labels: the reason text
/// itself names fields, sizes and values, and as a label would make a series of every message.
public enum RejectionClass: String, Sendable, CaseIterable {
    case empty
    case tooLarge = "too_large"
    case utf8
    /// Not a JSON object, or not valid JSON.
    case json
    case missingField = "missing_field"
    /// A value the layout reads is of the wrong type or form, or the topic lacks a level it reads.
    case invalidField = "invalid_field"
    /// A machine the router's type map does not know.
    case unknownCNCID = "unknown_cnc_id"
    /// A topic that no source description reads.
    case noSource = "no_source"
    /// A Sparkplug B message that cannot be read (its reasons start "Sparkplug B:").
    case sparkplug
    /// Whatever a worker refuses other than an undecodable frame: a machine type's reasons.
    case plugin
    /// A row the database refused.
    case database
    case undecodableFrame = "undecodable_frame"
    /// A message that reached the sink without passing a worker: a stage is misconfigured.
    case misrouted
    /// Any reason the cases above do not cover.
    case other

    /// The class of a reason that `stage` gave (`MessageValidator`, the router, a plugin or
    /// the sink word their reasons as the cases below expect).
    public init(stage: Stage, reason: String) {
        if reason.hasPrefix(Rejection.undecodableFrame) {
            self = .undecodableFrame
            return
        }
        switch stage {
        case .ingest:
            self = Self.validation(reason)
        case .router:
            self = reason.hasPrefix("unknown cnc_id") ? .unknownCNCID : .other
        case .worker:
            // A plugin's reasons start with its type name: anything else a worker refuses is a frame.
            self = .plugin
        case .sink:
            if reason.hasPrefix("database refused") {
                self = .database
            } else if reason.hasPrefix("reached the sink unprocessed") {
                self = .misrouted
            } else {
                self = .other
            }
        }
    }

    private static func validation(_ reason: String) -> Self {
        if reason == "empty message" { return .empty }
        if reason.hasPrefix("message too large") { return .tooLarge }
        if reason.hasPrefix("invalid UTF-8") { return .utf8 }
        if reason.hasPrefix("missing") { return .missingField }
        if reason.hasPrefix("field") || reason.hasPrefix("payload field") || reason.hasPrefix("topic") { return .invalidField }
        if reason.hasPrefix("invalid JSON") || reason.hasPrefix("not a JSON") { return .json }
        if reason.hasPrefix("no source") { return .noSource }
        if reason.hasPrefix(SparkplugLayout.reasonPrefix) { return .sparkplug }
        return .other
    }
}
