import Foundation

/// The environment settings are read from: the process's, or a given one (tests, `mesctl
/// check-config` over a deployment's environment file). An empty variable counts as unset.
public struct SettingsEnvironment: Sendable {
    private let variables: [String: String]

    /// An environment of the given variables, in place of the process's.
    public init(_ variables: [String: String]) {
        self.variables = variables
    }

    /// The process's environment as it is when read.
    public static var process: SettingsEnvironment { SettingsEnvironment(ProcessInfo.processInfo.environment) }

    /// The variable's value; nil when it is unset or empty.
    public subscript(name: String) -> String? {
        guard let value = variables[name], !value.isEmpty else { return nil }
        return value
    }
}
