// RecordingFilter.swift: the one filter a learning run executes under. Every call on every local
// ABI is logged (SECCOMP_RET_LOG, read back from the audit netlink group); the few calls a
// provable directive at its strictest would refuse go to the supervisor instead
// (SECCOMP_RET_USER_NOTIF), which reads their arguments and lets them continue.

import SeccomposeCompiler
import SeccomposeInput
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd

/// The recording filter of a learning run: nothing is refused, everything is reported.
public struct RecordingFilter: Sendable {
    /// The systemd emulated (its directive filters decide which calls are notified).
    public let context: SystemdContext
    /// Each provable directive at its strictest, as the policy systemd installs for it.
    public let strictest: [ProvableDirective: Policy]
    /// LOG for every call, USER_NOTIF where a strictest directive would refuse.
    public let policy: Policy
    /// The compiled program and what it was built from, ready for a `PreparedLaunch`.
    public let compiled: FilterRequest.Compiled

    /// Builds the filter for `context` (its version's directive filters, its native ABI's local
    /// ABIs).
    ///
    /// - Throws: `LearnError` when a directive's policy cannot be built or the program compiled.
    public init(context: SystemdContext) throws(LearnError) {
        self.context = context
        var strictest: [ProvableDirective: Policy] = [:]
        var all = ExecDirectives(context: context)
        all.kernelHasMDWE = false
        for d in ProvableDirective.allCases {
            do { strictest[d] = try ProvableDirective.policy(d.strictest(context), context: context) } catch {
                throw LearnError(message: "cannot build the \(d.rawValue)= filter of systemd \(context.version)",
                    fix: "report this as a bug")
            }
            d.setStrictest(&all)
        }
        self.strictest = strictest
        let combined: SystemdPolicyBuilder.Result
        do { combined = try SystemdPolicyBuilder.build(SystemCallSettings(context: context), directives: all) } catch {
            throw LearnError(message: "cannot build the recording filter for systemd \(context.version)", fix: "report this as a bug")
        }
        var recording = combined.policy.mappingActions { $0 == .allow ? .log : .userNotif }
        recording.otherArchitectureAction = .log
        policy = recording
        do {
            let (effective, program) = try Compiler.compiled(recording)
            compiled = FilterRequest.Compiled(policy: effective, program: program,
                built: FilterRequest.Built(policy: recording, settings: nil, systemd: nil, diagnostics: []))
        } catch {
            throw LearnError(message: "cannot compile the recording filter: \(error.message)", fix: "report this as a bug")
        }
    }

    /// The argument indexes the directive filters compare for `number` on `abi` (the others
    /// are zeroed in observations, so that pointers and sizes do not multiply them).
    public func comparedArguments(abi: Architecture, number: Int) -> Set<Int> {
        guard let name = SyscallTable.name(of: number, on: abi) else { return Set(0..<6) }
        var out = ArgumentClass.describedIndexes(name)
        for p in strictest.values {
            for rule in p.decisions(for: abi)[name]?.rules ?? [] {
                for c in rule.conditions { out.insert(c.index) }
            }
        }
        return out
    }
}

extension Policy {
    /// This policy with every action (defaults, decisions, rules) replaced by `f` of it.
    func mappingActions(_ f: (Action) -> Action) -> Policy {
        func mapDecision(_ d: SyscallDecision) -> SyscallDecision {
            var d = d
            d.action = f(d.action)
            d.rules = d.rules.map { r in
                var r = r
                r.action = f(r.action)
                return r
            }
            return d
        }
        var p = self
        p.defaultAction = f(defaultAction)
        p.otherArchitectureAction = f(otherArchitectureAction)
        p.syscalls = syscalls.mapValues(mapDecision)
        p.abiSyscalls = abiSyscalls.mapValues { $0.mapValues(mapDecision) }
        return p
    }
}
