import StageRuntime

/// `cnc-emulator`: publishes sample lines to the broker, as the CNC-side services would, and
/// waits (up to 30 s) until the broker has acknowledged everything it published.
public typealias EmulatorService = StageService<EmulatorLoop>
