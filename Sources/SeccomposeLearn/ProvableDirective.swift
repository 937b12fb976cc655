// ProvableDirective.swift: the argument-backed directives a run can prove safe, their strictest
// values (what the recording filter watches for), and the value a run's observations allow.

import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd

/// A sandboxing directive whose filter judges syscall arguments, and that `learn` sets when
/// no observed call would be refused by it.
public enum ProvableDirective: String, CaseIterable, Sendable, Hashable, Codable {
    /// RestrictAddressFamilies=: the socket families seen (or `none`).
    case restrictAddressFamilies = "RestrictAddressFamilies"
    /// RestrictNamespaces=: the namespace types created or joined (or `yes`).
    case restrictNamespaces = "RestrictNamespaces"
    /// MemoryDenyWriteExecute=yes.
    case memoryDenyWriteExecute = "MemoryDenyWriteExecute"
    /// LockPersonality=yes.
    case lockPersonality = "LockPersonality"
    /// RestrictRealtime=yes.
    case restrictRealtime = "RestrictRealtime"
    /// RestrictSUIDSGID=yes.
    case restrictSUIDSGID = "RestrictSUIDSGID"

    /// The directive at its strictest: what the recording filter compares every call with.
    func strictest(_ context: SystemdContext) -> ExecDirectives {
        var d = ExecDirectives(context: context)
        // systemd 254+ leaves MemoryDenyWriteExecute= to PR_SET_MDWE when the kernel has it; the
        // filter systemd installs otherwise is stricter (any PROT_EXEC mprotect), so a run that
        // passes it passes both.
        d.kernelHasMDWE = false
        setStrictest(&d)
        return d
    }

    /// Sets this directive in `d` to its strictest value, leaving the others as they are.
    func setStrictest(_ d: inout ExecDirectives) {
        switch self {
        case .restrictAddressFamilies:
            d.addressFamilies = []
            d.addressFamiliesAllowList = true
        case .restrictNamespaces: d.namespacesRetained = 0
        case .memoryDenyWriteExecute: d.memoryDenyWriteExecute = true
        case .lockPersonality: d.lockPersonality = true
        case .restrictRealtime: d.restrictRealtime = true
        case .restrictSUIDSGID: d.restrictSUIDSGID = true
        }
    }

    /// The loosest value the observations allow, as the directive's unit-file value and the
    /// directives it stands for; nil when a boolean directive cannot be set.
    func value(for observations: [ArgumentObservation], context: SystemdContext) -> (text: String, directives: ExecDirectives) {
        var d = strictest(context)
        switch self {
        case .restrictAddressFamilies:
            let families = Set(observations.compactMap { $0.addressFamily })
            d.addressFamilies = families
            let names = families.sorted().map { AddressFamily.name(of: $0) ?? String($0) }
            return (names.isEmpty ? "none" : names.joined(separator: " "), d)
        case .restrictNamespaces:
            let flags = observations.reduce(UInt64(0)) { $0 | ($1.namespaceFlags ?? 0) }
                & NamespaceType.allFlags(context.version)
            d.namespacesRetained = flags
            return (flags == 0 ? "yes" : NamespaceType.names(flags).joined(separator: " "), d)
        case .memoryDenyWriteExecute, .lockPersonality, .restrictRealtime, .restrictSUIDSGID:
            return ("yes", d)
        }
    }

    /// The policy systemd installs for `directives` alone (every local ABI judged).
    static func policy(_ directives: ExecDirectives, context: SystemdContext) throws(PolicyBuildError) -> Policy {
        try SystemdPolicyBuilder.build(SystemCallSettings(context: context), directives: directives).policy
    }

    /// The first observation `policy` (this directive at some value) would refuse, or nil. A
    /// refused `clone3` counts as passing when systemd refuses it with ENOSYS and the `clone`
    /// libc falls back to (with the flags read from the call's `struct clone_args`) passes.
    static func firstRefused(_ observations: [ArgumentObservation], by policy: Policy) -> ArgumentObservation? {
        for o in observations {
            guard let abi = Architecture(name: o.abi) else { return o }
            let action = policy.action(abi: abi, number: o.number, arguments: o.arguments)
            if action == .allow { continue }
            if o.name == "clone3", action == .errno(38), let flags = o.pointee,
                let clone = SyscallTable.number(of: "clone", on: abi),
                policy.action(abi: abi, number: clone, arguments: [flags, 0, 0, 0, 0, 0]) == .allow
            {
                continue
            }
            return o
        }
        return nil
    }
}
