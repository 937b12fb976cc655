// SystemdVersion.swift: the systemd releases whose group tables and behaviour Seccompose reproduces.

import SeccomposeSyscalls

/// A systemd release Seccompose can emulate.
///
/// `v252` is Debian 12's systemd 252.38+ build (with its stable backports) resolving names
/// through Debian 12's libseccomp 2.5.4; `v262` is systemd 262.1 resolving names through
/// Seccompose's own Linux 7.1 tables.
public enum SystemdVersion: Int, CaseIterable, Sendable, Hashable, Codable, Comparable,
    CustomStringConvertible
{
    case v252 = 252
    case v262 = 262

    /// The newest supported release, used when none is given.
    public static let newest: SystemdVersion = .v262

    public static func < (lhs: SystemdVersion, rhs: SystemdVersion) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }

    /// Parses "252", "262", "v262" or "262.1".
    public init?(string: String) {
        var s = Substring(string)
        if s.hasPrefix("v") { s = s.dropFirst() }
        if let dot = s.firstIndex(of: ".") { s = s[..<dot] }
        guard let n = Int(s), let v = SystemdVersion(rawValue: n) else { return nil }
        self = v
    }

    /// The directories searched for the host's `libsystemd-shared-VERSION.so` by default.
    public static let hostLibraryDirectories = ["/usr/lib/systemd", "/lib/systemd"]

    /// The major version of the systemd installed on the host, read from the name of its
    /// `libsystemd-shared-VERSION.so` (systemd installs one per release, named by its major
    /// version) in the first of `directories` that has one; nil when none has.
    public static func hostMajorVersion(directories: [String] = hostLibraryDirectories) -> Int? {
        for d in directories {
            guard let names = try? TextFile.listDirectory(d) else { continue }
            let versions = names.compactMap { name -> Int? in
                guard name.hasPrefix("libsystemd-shared-"), name.hasSuffix(".so") else { return nil }
                let tag = name.dropFirst("libsystemd-shared-".count).dropLast(".so".count)
                return Int(tag.prefix { $0.isNumber })
            }
            if let newest = versions.max() { return newest }
        }
        return nil
    }

    /// The version used when none is given: the host's systemd when it is a supported release
    /// (252 on Debian 12), otherwise the newest supported one.
    public static func defaultVersion(hostMajorVersion: Int?) -> SystemdVersion {
        hostMajorVersion.flatMap { SystemdVersion(rawValue: $0) } ?? newest
    }

    /// Whether this systemd resolves `name` as a syscall (libseccomp's view at run time).
    ///
    /// For 252 that is Debian 12's libseccomp 2.5.4, which lacks the names listed in
    /// `data/libseccomp-2.5.4-unknown.txt`; for 262 it is the embedded Linux 7.1 table.
    public func resolvesSyscall(_ name: String) -> Bool { resolution(of: name).resolves }

    /// Whether `name` is a syscall at all (`SyscallTable.isKnown`) and whether this systemd
    /// resolves it (`resolvesSyscall`), with the table looked up once: a caller that reports an
    /// unresolved name tells a name 252's libseccomp lacks from one that no kernel has. (252's
    /// unknown names are read by table id: a group's hundreds of names hash nothing.)
    public func resolution(of name: String) -> (known: Bool, resolves: Bool) {
        guard let id = SyscallTable.id(of: name) else { return (false, false) }
        switch self {
        case .v252: return (true, !(id < BuiltinData.libseccomp254UnknownByID.count && BuiltinData.libseccomp254UnknownByID[id]))
        case .v262: return (true, true)
        }
    }

    /// Whether this systemd accepts `abi` in SystemCallArchitectures= (`seccomp_arch_from_string`):
    /// Debian 12's 252 is built against libseccomp 2.5.4 headers, which lack LoongArch.
    public func acceptsArchitecture(_ abi: Architecture) -> Bool {
        guard abi.systemdName != nil else { return false }
        return self >= .v262 || abi != .loongarch64
    }
}
