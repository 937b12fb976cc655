// Compiler.swift: Policy → one classic-BPF program for all of the policy's ABIs.
//
// Shape of the output:
//   LD arch; JEQ <audit value> per ABI (most common first) … RET <other-ABI action>
//   per audit value: LD nr; a balanced JGE tree over the maximal ranges of syscall numbers
//   with the same decision (x32 numbers are ranges of the x86-64 tree, never a separate path);
//   leaves: RET action, or an argument sub-program (rules tried in order) ending in RET: value
//   sets as searches, single-argument comparisons as one interval search, runs of single-bit
//   flag rules of one action as one JSET per word; a load of a word the accumulator already
//   holds is dropped (Graph.dropRedundantLoads).
// Every number is decided in 4 + ⌈log2 R⌉ instructions (+ 1 per AUDIT_ARCH value tested before
// its own), plus the argument tests where the decision has rules.
// Unconditional ALLOW leaves are reached with LD nr/arch and K jumps only, so the kernel's
// constant-action cache can take them (checked by `CacheAnalysis`).
//
// Passes, one file each: Resolution.swift (the policy's names → table ids, once per compile),
// NumberIntervals.swift (policy → number intervals per AUDIT_ARCH value),
// DecisionTree.swift and ArgumentCode.swift (intervals and rules → a `Graph`), Emitter.swift
// (graph → instructions); then the checks: `Verifier`, `CacheAnalysis`, `SelfCheck`.

import SeccomposePolicy
import SeccomposeSyscalls

/// Compiles policies.
public enum Compiler {
    /// Compiles `policy` into one program.
    ///
    /// The program judges `policy.judgingKernelReads(mode)`, where the mode is the policy's
    /// `argumentWidths` or the options' (they must not differ): by default only
    /// the bits the kernel reads of each argument decide, and socketcall/ipc sub-calls get at
    /// least the restriction of the direct calls (`effectivePolicy` returns that policy).
    ///
    /// - Throws: `CompileError` when the program would exceed `options.maximumInstructions`,
    ///   the policy is malformed (an argument index outside 0...5), mixes ABIs of both byte
    ///   orders, or (an internal error) the program fails the compiler's own checks.
    public static func compile(_ policy: Policy, options: CompileOptions = CompileOptions()) throws(CompileError)
        -> Program
    {
        try build(policy, options: options).program
    }

    /// Compiles `policy` and also returns the policy the program implements (`effectivePolicy`),
    /// computed once, for callers that explain or report decisions.
    ///
    /// - Throws: as `compile(_:options:)`.
    public static func compiled(_ policy: Policy, options: CompileOptions = CompileOptions()) throws(CompileError)
        -> (policy: Policy, program: Program)
    {
        let (judged, program) = try build(policy, options: options)
        return (judged.policy, program)
    }

    /// The program, and the tables of the policy it implements (`effectivePolicy`'s, not
    /// written out: `compile` has no use for them as a `Policy`).
    static func build(_ policy: Policy, options: CompileOptions) throws(CompileError) -> (judged: JudgedTables, program: Program) {
        try validate(policy)
        // Kernel and strict policies are built alike (only systemd's mode builds other layers), so
        // options may switch between those two; to or from systemd's mode they may not.
        if let wanted = options.argumentWidths, let built = policy.argumentWidths, (wanted == .systemd) != (built == .systemd) {
            throw CompileError(
                message: "the policy was built for argument widths '\(built.rawValue)', the compile options ask for '\(wanted.rawValue)'",
                fix: "give the mode once: build the policy in the mode you want (SystemdContext.argumentWidths, the profile importer's argumentWidths) and leave CompileOptions.argumentWidths nil")
        }
        let order = try byteOrder(policy)
        let judged = policy.judgedTables(options.argumentWidths ?? policy.argumentWidths ?? .kernel)
        let entries = resolvedEntries(judged)
        let dispatch = dispatch(policy, entries: entries)
        // The fastest layout that fits: longer runs of value tests make a smaller program with a
        // longer worst path, so a policy is refused only when even the smallest does not fit.
        var instructions: [BPFInstruction] = []
        var sizes: [Int] = []
        for layout in Layout.escalation {
            let (laid, searches) = program(policy, dispatch: dispatch, layout: layout)
            instructions = laid
            sizes.append(instructions.count)
            if instructions.count <= options.maximumInstructions || !searches { break }
        }
        guard instructions.count <= options.maximumInstructions else {
            let tried = sizes.count > 1
                ? " (the fastest layout needs \(sizes[0]), the smallest \(instructions.count))" : ""
            throw CompileError(
                message: "the program needs \(instructions.count) instructions\(tried); the limit is \(options.maximumInstructions)",
                fix: "reduce the number of argument rules or ABIs, or split the policy")
        }
        // The compiler checks its own output: the kernel's load-time rules, and that every
        // unconditional ALLOW stays eligible for the kernel's constant-action cache.
        do {
            try Verifier.verify(instructions)
        } catch {
            throw CompileError(message: "internal error: the program breaks a kernel rule: \(error)",
                fix: "report this policy as a Seccompose bug")
        }
        // What the program returns per range of numbers, per AUDIT_ARCH value judged (the
        // self-check's walk of the program), for both checks below.
        var walked = SelfCheck.Walk()
        if options.checkCacheEligibility {
            // Whether each plain kind's action is ALLOW, found once (not an `Action` comparison,
            // a call into another module, per table entry).
            let allowKinds = entries.actions.map { same($0, .allow) }
            for abi in policy.architectures where abi != .x32 {
                // The numbers of the ABI's table the policy allows unconditionally, ascending.
                let order = NumberOrder.of(abi)
                let numbers = order.numbers, ranks = order.rankByID
                var allowed = [Bool](repeating: policy.defaultAction == .allow, count: numbers.count)
                let table = entries[abi]
                for (k, id) in table.ids.enumerated() where ranks[Int(id)] >= 0 {
                    let kind = Int(table.kinds[k])
                    allowed[Int(ranks[Int(id)])] = kind >= 0 && allowKinds[kind]
                }
                // A number in a range the walk found returning ALLOW from the number and arch alone
                // is cacheable (the kernel's emulation takes the walk's path); any other is
                // emulated as the kernel does.
                let ranges = walked.ranges(instructions, auditArch: abi.auditArch)
                var r = 0
                for (rank, isAllowed) in allowed.enumerated() where isAllowed {
                    let nr = numbers[rank]
                    while r + 1 < ranges.count, ranges[r + 1].start <= nr { r += 1 }
                    if ranges[r].returns == Action.allow.returnValue { continue }
                    if ranges[r].returns == nil, CacheAnalysis.isConstantAllow(instructions, auditArch: abi.auditArch, nr: nr) { continue }
                    throw CompileError(
                        message: "internal error: \(abi.name) syscall \(nr) is allowed unconditionally but not cacheable",
                        fix: "report this policy as a Seccompose bug")
                }
            }
        }
        // Fail closed: the program must decide every call as the policy does (see SelfCheck).
        if options.checkDecisions { try SelfCheck.verify(instructions, implements: judged, entries: entries, walk: &walked) }
        return (judged, Program(instructions, byteOrder: order))
    }

    /// The instructions for an effective policy in one layout (unchecked), and whether it has a
    /// value search (only then does another layout change it).
    static func program(_ policy: Policy, entries: Entries, layout: Layout) -> (instructions: [BPFInstruction], valueSearch: Bool) {
        program(policy, dispatch: dispatch(policy, entries: entries), layout: layout)
    }

    static func program(_ policy: Policy, dispatch: Dispatch, layout: Layout) -> (instructions: [BPFInstruction], valueSearch: Bool) {
        var graph = Graph()
        // Room for the shared nodes (returns, loads, argument tests) of a typical program, so
        // that the index is not rehashed as it grows.
        graph.index.reserveCapacity(4 * dispatch.keys.keys.count + 64)
        let root = buildRoot(policy, dispatch: dispatch, layout: layout, &graph)
        graph.dropRedundantLoads(root: root)
        return (Emitter.emit(graph, root: root), graph.hasValueSearch)
    }

    /// The byte order of the policy's ABIs: one program is read by one kernel, in its order.
    static func byteOrder(_ policy: Policy) throws(CompileError) -> ByteOrder {
        let little = policy.architectures.filter(\.isLittleEndian), big = policy.architectures.filter { !$0.isLittleEndian }
        guard !little.isEmpty, !big.isEmpty else { return big.isEmpty ? .littleEndian : .bigEndian }
        let names = { (abis: [Architecture]) in abis.map(\.name).joined(separator: ", ") }
        throw CompileError(
            message: "the policy mixes little-endian ABIs (\(names(little))) with big-endian ones (\(names(big))); "
                + "one seccomp program is read by one kernel, in one byte order",
            fix: "compile one program per byte order: restrict the ABIs (--architectures / SystemCallArchitectures=, "
                + "or the profile's architectures) to \(names(little)) for one program and \(names(big)) for the other")
    }

    /// The policy the compiled program implements, decision for decision: `policy` with its
    /// conditions rewritten for its argument-width mode (the options', else the policy's, else
    /// `.kernel`).
    public static func effectivePolicy(_ policy: Policy, options: CompileOptions = CompileOptions()) -> Policy {
        policy.judgingKernelReads(options.argumentWidths ?? policy.argumentWidths ?? .kernel)
    }

    static func validate(_ policy: Policy) throws(CompileError) {
        for (name, d) in policy.syscalls {
            for rule in d.rules {
                for c in rule.conditions where !(0...5).contains(c.index) {
                    throw CompileError(message: "rule for \(name) compares argument \(c.index)",
                        fix: "syscall arguments are numbered 0 to 5")
                }
            }
        }
    }
}
