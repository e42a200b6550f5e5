import Foundation

/// sshd's `StrictModes` for the files a worker reads its types from and runs: the types
/// directory, each description, each external program and the files it is given. Whoever can
/// write one of them, or replace it through a directory above it, can make the worker run their
/// code under the worker's account, so each must be owned by root or by this process's user and
/// writable by neither its group nor others (`MES_TYPES_STRICT_MODES=0` turns the check off).
///
/// A directory further up, above the types directory or above the directory holding a file, may
/// be writable by all when it has the sticky bit (`/tmp`): nobody can rename or remove there what
/// another user owns.
public struct StrictModes: Sendable, Equatable {
    /// Whether paths are checked at all; off, every path passes. Default on.
    public var isOn: Bool
    /// The user who, besides root, may own them.
    public var user: uid_t

    /// Checks on by default, for files owned by root or `user` (default: this process's effective user).
    public init(isOn: Bool = true, user: uid_t = geteuid()) {
        self.isOn = isOn
        self.user = user
    }

    /// Why `directory` cannot be trusted, or nil: it must pass itself, and the directories above it.
    public func problem(withDirectory directory: String) -> String? {
        problem(with: directory, strictLevels: 1)
    }

    /// Why `file` cannot be trusted, or nil: it and its directory must pass, and the directories above them.
    public func problem(withFile file: String) -> String? {
        problem(with: file, strictLevels: 2)
    }

    /// The first of `path` and the directories above it that fails, and why; a path that does
    /// not exist passes, since whoever reads it says it is missing.
    private func problem(with path: String, strictLevels: Int) -> String? {
        guard isOn, let resolved = realpath(path, nil) else { return nil }
        var current = String(cString: resolved)
        free(resolved)
        var level = 0
        while true {
            if let problem = problem(at: current, stickyAllowed: level >= strictLevels) { return problem }
            guard current != "/" else { return nil }
            current = (current as NSString).deletingLastPathComponent
            level += 1
        }
    }

    private func problem(at path: String, stickyAllowed: Bool) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "cannot check \(path): \(String(cString: strerror(errno)))" }
        let mode = info.st_mode & 0o7777
        let shown = "mode \(String(format: "%04o", mode)), owner \(Self.userName(info.st_uid))"
        if info.st_uid != 0 && info.st_uid != user {
            return "\(path) belongs to another user (\(shown)), neither root nor this process's user \(Self.userName(user)), "
                + "and its owner could change the code a worker runs: chown \(Self.loginName(user)) \(path)"
        }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        if stickyAllowed && isDirectory && mode & S_ISVTX != 0 { return nil }
        let writers = [(S_IWGRP, "its group"), (S_IWOTH, "others")].filter { mode & $0.0 != 0 }.map(\.1)
        guard !writers.isEmpty else { return nil }
        return "\(path) is writable by \(writers.joined(separator: " and ")) (\(shown)), who could change the code a worker runs: "
            + "chmod go-w \(path)"
    }

    /// `alice (uid 1000)`, `root`, or `uid 1000` for a user the system does not name.
    static func userName(_ uid: uid_t) -> String {
        let name = loginName(uid)
        return uid == 0 ? name : name == "\(uid)" ? "uid \(uid)" : "\(name) (uid \(uid))"
    }

    /// The user's login name, or the number where the system has none, as chown takes them.
    static func loginName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "\(uid)" }
        return String(cString: name)
    }
}
