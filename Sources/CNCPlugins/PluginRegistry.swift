/// The plugin types this build knows, by name.
public enum PluginRegistry {
    /// Register a new plugin type here.
    public static let builtIn: [any CNCPlugin.Type] = [
        CNCTypeB.self
    ]

    /// The names of the built-in plugin types (`CNCPlugin.typeName`).
    public static var typeNames: Set<String> { Set(builtIn.map { $0.typeName }) }

    /// A new instance of the built-in plugin type named `name`, or nil when this build has none of that name.
    public static func plugin(named name: String) -> (any CNCPlugin)? {
        builtIn.first { $0.typeName == name }.map { $0.init() }
    }
}
