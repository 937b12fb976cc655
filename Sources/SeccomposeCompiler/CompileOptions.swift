// CompileOptions.swift: the compiler's options.

import SeccomposePolicy

/// Options for the compiler.
public struct CompileOptions: Sendable, Hashable {
    /// The largest program accepted (the kernel's limit is 4096).
    public var maximumInstructions: Int = BPF.maximumInstructions
    /// Check that every unconditional ALLOW is eligible for the kernel's constant-action cache
    /// (emulating `seccomp_is_const_allow` over the output). Default: true.
    public var checkCacheEligibility: Bool = true
    /// How argument widths and the socketcall/ipc multiplexers are judged; nil (the default):
    /// the policy's own `argumentWidths`, else `.kernel` (the bits the kernel reads). `.systemd`
    /// reproduces systemd 252's comparisons. Switching a policy built for systemd's mode to
    /// another, or the other way round, is refused (its directive layers were built for its mode).
    public var argumentWidths: ArgumentWidthMode?
    /// Compare the program with the policy on every syscall number of every ABI (walked range
    /// by range; calls with argument rules run with argument samples) and refuse it unless it
    /// decides each call as the policy (`SelfCheck`).
    /// Default: true; turning it off is for measuring its cost.
    public var checkDecisions: Bool = true

    /// Options; every check is on by default.
    public init(maximumInstructions: Int = BPF.maximumInstructions, checkCacheEligibility: Bool = true,
        argumentWidths: ArgumentWidthMode? = nil, checkDecisions: Bool = true)
    {
        self.maximumInstructions = maximumInstructions
        self.checkCacheEligibility = checkCacheEligibility
        self.argumentWidths = argumentWidths
        self.checkDecisions = checkDecisions
    }
}
