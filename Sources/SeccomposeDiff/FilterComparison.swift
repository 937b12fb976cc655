// FilterComparison.swift: the exact comparison of two filter stacks by what they decide.

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls

/// Compares two filter stacks decision by decision, exactly.
///
/// 1. The arch word is partitioned by the tests both sides make on it; every known
///    `AUDIT_ARCH` value is judged, and one unknown value of each class (reported as ABI
///    `other`; a real kernel never presents one, but a filter may treat them differently).
/// 2. For each arch value, the number word is partitioned by both sides' tests (with the arch
///    fixed): numbers in one class follow the same paths in both programs, so one
///    representative per class judges them all — names are attached afterwards.
/// 3. For each number class, each argument and instruction-pointer half is partitioned by both
///    sides' tests (arch and number fixed), and both sides run on one representative of every
///    cell of the product of those partitions.
///
/// Every branch a program takes depends only on the outcomes of the tests collected, so two
/// inputs in one cell take the same path through every program of both sides: judging one
/// representative per cell is exact, not sampling.
public enum FilterComparison {
    /// The most cells one (arch, number class) may need before the comparison refuses.
    public static let defaultCellLimit = 1 << 20

    /// Compares `old` with `new`.
    ///
    /// - Throws: `DiffError` when a program does something the analysis cannot follow exactly,
    ///   or a syscall's argument classes exceed `cellLimit`.
    public static func compare(_ old: FilterStack, _ new: FilterStack, cellLimit: Int = defaultCellLimit) throws(DiffError)
        -> PolicyDiff
    {
        let sides = [old, new]
        var changes: [PolicyDiff.Change] = []
        var cells = 0
        // 1. Arch values.
        let archTests = (try collect(sides, given: [:], littleEndian: true)[1] ?? [])
            .union(try collect(sides, given: [:], littleEndian: false)[1] ?? [])
        var targets: [(arch: UInt32, abis: [Architecture])] = []
        var knownArchs: [UInt32] = []
        for abi in Architecture.allCases where !knownArchs.contains(abi.auditArch) { knownArchs.append(abi.auditArch) }
        for value in knownArchs { targets.append((value, Architecture.allCases.filter { $0.auditArch == value })) }
        // One value no known ABI has per class that holds one (a class of only known values has none).
        let unknown = knownArchs.map { WordLiteral(WordPredicate(.equal, $0), false) }
        for c in WordClass.partition(archTests) {
            if let w = WordSolver.smallest(c.allLiterals + unknown) { targets.append((w, [])) }
        }
        // 2. Number classes per arch value.
        for target in targets {
            let littleEndian = target.abis.first?.isLittleEndian ?? true
            let nrTests = try collect(sides, given: [1: target.arch], littleEndian: littleEndian)[0] ?? []
            let table = NamedNumbers(arch: target.arch, abis: target.abis)
            for nrClass in WordClass.partition(nrTests) {
                // 3. Argument cells.
                let given = [0: nrClass.witness, 1: target.arch]
                let tests = try collect(sides, given: given, littleEndian: littleEndian)
                var dimensions: [(word: Int, classes: [WordClass])] = []
                var product = 1
                for word in 2..<16 {
                    guard let t = tests[word], !t.isEmpty else { continue }
                    let classes = WordClass.partition(t)
                    guard classes.count > 1 else { continue }
                    dimensions.append((word, classes))
                    product = product.multipliedReportingOverflow(by: classes.count).overflow ? Int.max : product * classes.count
                }
                guard product <= cellLimit else {
                    throw DiffError("syscall number \(nrClass.witness) on AUDIT_ARCH 0x\(String(target.arch, radix: 16)) has \(product) argument classes, more than \(cellLimit)",
                        fix: "compare filters with fewer argument comparisons per syscall")
                }
                var differing: [(cell: [Int], old: Action, new: Action)] = []
                var index = [Int](repeating: 0, count: dimensions.count)
                var words = [UInt32](repeating: 0, count: 16)
                words[0] = nrClass.witness
                words[1] = target.arch
                while true {
                    for (d, dim) in dimensions.enumerated() { words[dim.word] = dim.classes[index[d]].witness }
                    let data = seccompData(words, littleEndian: littleEndian)
                    let a = try old.action(data), b = try new.action(data)
                    cells += 1
                    if a != b { differing.append((index, a, b)) }
                    // Next cell (mixed radix).
                    var d = 0
                    while d < dimensions.count {
                        index[d] += 1
                        if index[d] < dimensions[d].classes.count { break }
                        index[d] = 0
                        d += 1
                    }
                    if d == dimensions.count { break }
                }
                guard !differing.isEmpty else { continue }
                let wholeCall = differing.count == product && Set(differing.map { "\($0.old)|\($0.new)" }).count == 1
                for member in members(of: nrClass, arch: target.arch, abis: target.abis, named: table) {
                    let abiName = member.abi?.name ?? "other"
                    let order = member.abi.flatMap { Architecture.allCases.firstIndex(of: $0) } ?? Architecture.allCases.count
                    let argumentBits = member.abi?.argumentBits ?? 64
                    for d in differing {
                        var w = words
                        for (i, dim) in dimensions.enumerated() { w[dim.word] = dim.classes[d.cell[i]].witness }
                        let data = seccompData(w, littleEndian: littleEndian)
                        let usesIP = dimensions.contains { $0.word == 2 || $0.word == 3 }
                        let argumentClass = wholeCall ? nil : describe(dimensions: dimensions, cell: d.cell,
                            littleEndian: littleEndian, argumentBits: argumentBits)
                        let parts = [member.numbers, argumentClass].compactMap { $0 }
                        let description = parts.isEmpty ? nil : parts.joined(separator: " && ")
                        changes.append(PolicyDiff.Change(abi: abiName, abiOrder: order, syscall: member.name,
                            firstNumber: member.first, lastNumber: member.last, arguments: description, example: data.args,
                            instructionPointer: usesIP ? data.instructionPointer : nil, old: d.old, new: d.new))
                        if wholeCall { break }
                    }
                }
            }
        }
        // Unknown arch values of several classes can change alike: one line each.
        var seen: Set<String> = []
        changes = changes.filter { seen.insert($0.description).inserted }
        return PolicyDiff(oldLabel: old.label, newLabel: new.label, changes: changes.sorted(), architecturesJudged: targets.count,
            cellsJudged: cells)
    }

    /// The tests every program of both sides makes, per word, with `given` words fixed.
    private static func collect(_ sides: [FilterStack], given: [Int: UInt32], littleEndian: Bool) throws(DiffError)
        -> [Int: Set<WordPredicate>]
    {
        var collector = PredicateCollector()
        for side in sides {
            let stack = side.programs(littleEndian: littleEndian)
            for (i, p) in stack.enumerated() {
                try collector.explore(p.instructions, given: given,
                    programLabel: stack.count == 1 ? side.label : "\(side.label) (filter \(i + 1))")
            }
        }
        return collector.tests
    }

    /// The `seccomp_data` with these 16 words, in the arch's byte order.
    private static func seccompData(_ words: [UInt32], littleEndian: Bool) -> SeccompData {
        func pair(_ first: Int) -> UInt64 {
            let (lo, hi) = littleEndian ? (words[first], words[first + 1]) : (words[first + 1], words[first])
            return UInt64(hi) << 32 | UInt64(lo)
        }
        return SeccompData(nr: words[0], arch: words[1], instructionPointer: pair(2), args: (0..<6).map { pair(4 + 2 * $0) },
            littleEndian: littleEndian)
    }

    /// A number range of a class: a named syscall, or a run of numbers no ABI of the arch names.
    struct Member {
        var abi: Architecture?
        var name: String?
        var first: UInt32
        var last: UInt32
        /// For an unnamed run of a masked number class: which numbers of the run it holds.
        var numbers: String? = nil
    }

    /// The syscalls and unnamed number runs of a number class on an arch value.
    /// The named numbers of an arch value, sorted: (number, ABI, name).
    struct NamedNumbers {
        var entries: [(number: UInt32, abi: Architecture, name: String)]

        init(arch: UInt32, abis: [Architecture]) {
            entries = []
            for abi in abis {
                for (name, n) in SyscallTable.syscalls(on: abi) {
                    let nr = UInt32(truncatingIfNeeded: n)
                    guard Architecture.abi(auditArch: arch, number: nr, among: abis) == abi else { continue }
                    entries.append((nr, abi, name))
                }
            }
            entries.sort { $0.number < $1.number }
        }

        /// The entries with numbers in `lower…upper`.
        func within(_ lower: UInt32, _ upper: UInt32) -> ArraySlice<(number: UInt32, abi: Architecture, name: String)> {
            var lo = 0, hi = entries.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if entries[mid].number < lower { lo = mid + 1 } else { hi = mid }
            }
            var end = lo
            while end < entries.count, entries[end].number <= upper { end += 1 }
            return entries[lo..<end]
        }
    }

    static func members(of nrClass: WordClass, arch: UInt32, abis: [Architecture], named table: NamedNumbers) -> [Member] {
        var named: [Member] = []
        var numbers: [UInt32] = []
        for e in table.within(nrClass.lower, nrClass.upper) {
            numbers.append(e.number)
            if nrClass.contains(e.number) { named.append(Member(abi: e.abi, name: e.name, first: e.number, last: e.number)) }
        }
        // Unnamed runs: the class's interval without the named numbers, cut where the ABI changes.
        var cuts: [UInt32] = []
        if arch == Architecture.x86_64.auditArch { cuts = [0x4000_0000, 0x8000_0000, 0xC000_0000, 0xFFFF_FFFF] }
        var runs: [(UInt32, UInt32)] = []
        var start = UInt64(nrClass.lower)
        let end = UInt64(nrClass.upper)
        var boundaries: [UInt64] = numbers.map { UInt64($0) }.filter { $0 >= start && $0 <= end }
        boundaries.append(end + 1)
        for b in boundaries {
            if b > start {
                // Split [start, b-1] at the cuts.
                var s = start
                for c in cuts.map(UInt64.init) where c > s && c <= b - 1 {
                    runs.append((UInt32(s), UInt32(c - 1)))
                    s = c
                }
                runs.append((UInt32(s), UInt32(b - 1)))
            }
            start = b + 1
        }
        var unnamed: [Member] = []
        for (s, e) in runs {
            // A masked class holds only some numbers of the run; keep runs with a member.
            var first = s, qualifier: String?
            if !nrClass.literals.isEmpty {
                // A masked class holds only some numbers of the run: start at its first member
                // and say which numbers of the run it holds.
                var bounded = nrClass
                bounded.lower = max(s, nrClass.lower)
                bounded.upper = min(e, nrClass.upper)
                guard let member = WordSolver.smallest(bounded.allLiterals) else { continue }
                first = member
                qualifier = render(WordClass(lower: 0, upper: .max, literals: nrClass.literals, witness: member), "nr")
            }
            let abi = abis.isEmpty ? nil : Architecture.abi(auditArch: arch, number: first, among: abis)
            unnamed.append(Member(abi: abi, name: nil, first: first, last: e, numbers: qualifier))
        }
        return named + unnamed
    }

    /// The argument class of a cell, e.g. `a0 == 0x26 && (u32)a2 & 0x4 != 0`.
    static func describe(dimensions: [(word: Int, classes: [WordClass])], cell: [Int], littleEndian: Bool, argumentBits: Int)
        -> String
    {
        var parts: [String] = []
        // Per register (ip, a0…a5): its low and high word classes.
        for register in 0..<7 {
            let firstWord = 2 + 2 * register
            var low: WordClass?, high: WordClass?
            for (i, dim) in dimensions.enumerated() where dim.word == firstWord || dim.word == firstWord + 1 {
                let isHigh = (dim.word == firstWord + 1) == littleEndian
                if isHigh { high = dim.classes[cell[i]] } else { low = dim.classes[cell[i]] }
            }
            let name = register == 0 ? "ip" : "a\(register - 1)"
            if let high, high.lower == 0, high.upper == 0, high.literals.isEmpty {
                parts.append(render(low ?? WordClass(lower: 0, upper: .max, literals: [], witness: 0), name))
            } else {
                if let high { parts.append(render(high, name + ".hi")) }
                if let low { parts.append(render(low, argumentBits == 32 && high == nil ? name : "(u32)" + name)) }
            }
        }
        return parts.filter { !$0.isEmpty }.joined(separator: " && ")
    }

    private static func hex(_ v: UInt32) -> String { "0x" + String(v, radix: 16) }

    /// One word class in words: `a0 == 0x26`, `a0 in 0x2..0x9`, `a0 & 0x4 != 0`.
    static func render(_ c: WordClass, _ name: String) -> String {
        var s: [String] = []
        if c.lower == c.upper {
            s.append("\(name) == \(hex(c.lower))")
        } else if c.lower > 0, c.upper == .max {
            s.append("\(name) >= \(hex(c.lower))")
        } else if c.lower == 0, c.upper < .max {
            s.append("\(name) <= \(hex(c.upper))")
        } else if c.lower > 0 {
            s.append("\(name) in \(hex(c.lower))..\(hex(c.upper))")
        }
        for l in c.literals {
            let p = l.predicate
            let lhs = "\(name) & \(hex(p.mask))"
            switch (p.operation, l.outcome) {
            case (.anyBitSet, true): s.append("\(lhs) != 0")
            case (.anyBitSet, false): s.append("\(lhs) == 0")
            case (.equal, true): s.append("\(lhs) == \(hex(p.constant))")
            case (.equal, false): s.append("\(lhs) != \(hex(p.constant))")
            case (.greater, true): s.append("\(lhs) > \(hex(p.constant))")
            case (.greater, false): s.append("\(lhs) <= \(hex(p.constant))")
            case (.greaterOrEqual, true): s.append("\(lhs) >= \(hex(p.constant))")
            case (.greaterOrEqual, false): s.append("\(lhs) < \(hex(p.constant))")
            }
        }
        if s.isEmpty { s.append("\(name) any") }
        return s.joined(separator: " && ")
    }
}
