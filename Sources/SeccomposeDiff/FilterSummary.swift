// FilterSummary.swift: what a filter stack decides per ABI, in counts (the `dump` summary).

import SeccomposeSyscalls

/// What a filter stack decides on one ABI: how many named syscalls get each action, which
/// depend on their arguments, and what numbers without a name get.
public struct FilterSummary: Sendable, Hashable, Codable {
    /// The ABI (libseccomp name).
    public var abi: String
    /// Named syscalls whose decision holds for every argument value, counted per action.
    public var decisions: [String: Int]
    /// Named syscalls whose decision depends on their arguments (or the instruction pointer).
    public var argumentDependent: [String]
    /// The actions other than allow that numbers without a name on the ABI get (empty when all
    /// such numbers are allowed).
    public var unnamedNumbers: [String]

    /// `x86_64: 290 allow, 50 kill-process; 2 depend on arguments (clone, socket); unnamed numbers: kill-process`.
    public var line: String {
        let counts = decisions.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.value) \($0.key)" }
        var s = "\(abi): " + counts.joined(separator: ", ")
        if !argumentDependent.isEmpty {
            s += "; \(argumentDependent.count) depend on arguments (\(argumentDependent.joined(separator: ", ")))"
        }
        s += "; unnamed numbers: " + (unnamedNumbers.isEmpty ? "allow" : unnamedNumbers.joined(separator: ", "))
        return s
    }

    /// The summaries of `stack` on `abis`, computed exactly (the stack compared with no filter).
    ///
    /// - Throws: `DiffError` as `FilterComparison.compare` does.
    public static func summarize(_ stack: FilterStack, abis: [Architecture]) throws(DiffError) -> [FilterSummary] {
        let none = FilterStack(label: "no filter", programs: [])
        let diff = try FilterComparison.compare(none, stack)
        return abis.map { abi in
            let changes = diff.changes.filter { $0.abi == abi.name }
            var byName: [String: [PolicyDiff.Change]] = [:]
            var unnamed: Set<String> = []
            for c in changes {
                if let name = c.syscall { byName[name, default: []].append(c) } else { unnamed.insert(c.new) }
            }
            var decisions: [String: Int] = [:]
            var dependent: [String] = []
            for (name, _) in SyscallTable.syscalls(on: abi) {
                guard let cs = byName[name] else {
                    decisions["allow", default: 0] += 1
                    continue
                }
                if cs.count == 1, cs[0].arguments == nil {
                    decisions[cs[0].new, default: 0] += 1
                } else {
                    dependent.append(name)
                }
            }
            return FilterSummary(abi: abi.name, decisions: decisions, argumentDependent: dependent.sorted(),
                unnamedNumbers: unnamed.sorted())
        }
    }
}
