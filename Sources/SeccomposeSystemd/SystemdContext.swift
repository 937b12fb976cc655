// SystemdContext.swift: which systemd, on which ABI, with which groups.

import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls

/// The systemd being emulated: its version, the ABI it runs on, and its groups.
public struct SystemdContext: Sendable {
    /// The systemd release whose behaviour and group tables apply.
    public var version: SystemdVersion
    /// The ABI systemd was built for (`native` in SystemCallArchitectures=).
    public var native: Architecture
    /// The groups: the version's built-in ones plus any user sets.
    public var catalog: SetCatalog
    /// How argument rules are judged. `.kernel` (the default) and `.strict` make the argument
    /// directives cover every ABI, including those systemd skips (RestrictAddressFamilies= on
    /// i386, s390, ppc …), and the compiler judge the bits the kernel reads; `.systemd`
    /// reproduces systemd's filters exactly.
    public var argumentWidths: ArgumentWidthMode

    /// A context for `version` on `native` with `catalog`.
    public init(version: SystemdVersion, native: Architecture = .native, catalog: SetCatalog,
        argumentWidths: ArgumentWidthMode = .kernel)
    {
        self.version = version
        self.native = native
        self.catalog = catalog
        self.argumentWidths = argumentWidths
    }

    /// A context with the version's built-in groups only.
    public init(version: SystemdVersion = .newest, native: Architecture = .native,
        argumentWidths: ArgumentWidthMode = .kernel) throws(SetFileError)
    {
        self.init(version: version, native: native, catalog: try SetCatalog.builtin(version), argumentWidths: argumentWidths)
    }

    /// Whether this systemd resolves `name` as a syscall.
    func resolves(_ name: String) -> Bool { version.resolvesSyscall(name) }
}
