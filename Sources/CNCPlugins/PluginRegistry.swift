/// The plugin types this build knows, by name.
public enum PluginRegistry {
    /// Register a new plugin type here.
    public static let builtIn: [any CNCPlugin.Type] = [
        CNCTypeB.self
    ]

    public static var typeNames: Set<String> { Set(builtIn.map { $0.typeName }) }

    public static func plugin(named name: String) -> (any CNCPlugin)? {
        builtIn.first { $0.typeName == name }.map { $0.init() }
    }
}
