// ArgumentCode.swift: pass 2 (leaves), argument comparisons as 32-bit word tests.

import SeccomposePolicy

/// Code for argument comparisons: each 64-bit comparison is split into word tests.
enum ArgumentCode {
    static func condition(
        _ c: ArgumentCondition, ifTrue t: Int, ifFalse f: Int, argumentBits: Int, littleEndian: Bool, _ g: inout Graph
    ) -> Int {
        let loOffset = BPF.offsetArgument(c.index, highHalf: false, littleEndian: littleEndian)
        let hiOffset = BPF.offsetArgument(c.index, highHalf: true, littleEndian: littleEndian)
        let vlo = UInt32(truncatingIfNeeded: c.value), vhi = UInt32(truncatingIfNeeded: c.value >> 32)
        let mlo = UInt32(truncatingIfNeeded: c.mask), mhi = UInt32(truncatingIfNeeded: c.mask >> 32)
        func load(_ off: UInt32, _ n: Int) -> Int { g.add(.load(off, next: n)) }
        func j(_ op: UInt16, _ k: UInt32, _ jt: Int, _ jf: Int) -> Int {
            jt == jf ? jt : g.add(.jump(op, k, jt: jt, jf: jf))
        }
        // Tests on one word already in the accumulator.
        func word(_ op: ArgumentCondition.Operator, _ v: UInt32, _ m: UInt32, _ t: Int, _ f: Int) -> Int {
            switch op {
            case .equal: return j(BPF.jeq, v, t, f)
            case .notEqual: return j(BPF.jeq, v, f, t)
            case .greater: return j(BPF.jgt, v, t, f)
            case .greaterOrEqual: return j(BPF.jge, v, t, f)
            case .less: return j(BPF.jge, v, f, t)
            case .lessOrEqual: return j(BPF.jgt, v, f, t)
            case .maskedEqual:
                if m == 0 { return (v & m) == 0 ? t : f }
                // `JSET` decides a zero value (no bit of the mask set) or a single-bit mask (that
                // bit set) in one test and keeps the word in the accumulator for the next test.
                if v & m == 0 { return j(BPF.jset, m, f, t) }
                if m & (m &- 1) == 0 { return j(BPF.jset, m, t, f) }
                return g.add(.and(m, next: j(BPF.jeq, v & m, t, f)))
            }
        }
        if c.comparedBits(argumentBits: argumentBits) <= 32 {
            if c.op == .maskedEqual, mlo == 0 { return t }
            return load(loOffset, word(c.op, vlo, mlo, t, f))
        }
        switch c.op {
        case .equal, .notEqual:
            let (yes, no) = c.op == .equal ? (t, f) : (f, t)
            let low = load(loOffset, j(BPF.jeq, vlo, yes, no))
            return load(hiOffset, j(BPF.jeq, vhi, low, no))
        case .maskedEqual:
            let low = mlo == 0 ? t : load(loOffset, word(.maskedEqual, vlo, mlo, t, f))
            if mhi == 0 { return low }
            return load(hiOffset, word(.maskedEqual, vhi, mhi, low, f))
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            // a > v  ⇔  hi > vhi, or hi == vhi and lo > vlo (unsigned); likewise for >=.
            let strict = c.op == .greater || c.op == .lessOrEqual
            let (yes, no) = (c.op == .greater || c.op == .greaterOrEqual) ? (t, f) : (f, t)
            let low = load(loOffset, j(strict ? BPF.jgt : BPF.jge, vlo, yes, no))
            return load(hiOffset, j(BPF.jgt, vhi, yes, j(BPF.jeq, vhi, low, no)))
        }
    }
}

extension ArgumentCode {
    /// The word and bit a condition tests when it means "this one bit of the argument is set"
    /// on the bits the ABI compares (a masked equality whose effective mask is one bit, with the
    /// value's bit set): `(offset, bit)`, where `offset` is the `seccomp_data` word holding it.
    static func singleBitTest(_ c: ArgumentCondition, argumentBits: Int, littleEndian: Bool) -> (offset: UInt32, bit: UInt32)? {
        guard c.op == .maskedEqual, (0...5).contains(c.index) else { return nil }
        let keep: UInt64 = c.comparedBits(argumentBits: argumentBits) <= 32 ? 0xFFFF_FFFF : .max
        let m = c.mask & keep
        guard m != 0, m & (m &- 1) == 0, c.value & m == m else { return nil }
        let high = m > 0xFFFF_FFFF
        return (BPF.offsetArgument(c.index, highHalf: high, littleEndian: littleEndian),
            UInt32(truncatingIfNeeded: high ? m >> 32 : m))
    }

    /// `switch argument { case v1: action1 … default: otherwise }` for distinct constants: the
    /// high word (64-bit) is loaded once and searched, then the low word is loaded once and
    /// searched, with JGE splits down to JEQ chains of at most `leafRun` values (longer runs:
    /// fewer splits, so a smaller program, and a longer worst path).
    static func valueSet(
        _ cases: [(UInt64, Action)], condition c: ArgumentCondition, otherwise: Int, argumentBits: Int,
        littleEndian: Bool, leafRun: Int, _ g: inout Graph
    ) -> Int {
        g.hasValueSearch = true
        let wide = c.comparedBits(argumentBits: argumentBits) > 32
        let lo = BPF.offsetArgument(c.index, highHalf: false, littleEndian: littleEndian)
        let hi = BPF.offsetArgument(c.index, highHalf: true, littleEndian: littleEndian)
        // Binary search over sorted 32-bit keys; the accumulator holds the word already.
        func search(_ keys: ArraySlice<(UInt32, Int)>, _ miss: Int) -> Int {
            if keys.count <= leafRun {
                var next = miss
                for (k, target) in keys.reversed() { next = g.add(.jump(BPF.jeq, k, jt: target, jf: next)) }
                return next
            }
            // Split at a multiple of the run length, so that every leaf but the last is a full run.
            let runs = (keys.count + leafRun - 1) / leafRun
            let mid = keys.startIndex + (runs / 2) * leafRun
            let right = search(keys[mid...], miss)
            let left = search(keys[..<mid], miss)
            return g.add(.jump(BPF.jge, keys[mid].0, jt: right, jf: left))
        }
        func lowSearch(_ items: [(UInt64, Action)]) -> Int {
            var keys = items.map { (UInt32(truncatingIfNeeded: $0.0), g.ret($0.1.returnValue)) }
            ArgumentCode.sortFew(&keys) { $0.0 < $1.0 }
            return g.add(.load(lo, next: search(keys[...], otherwise)))
        }
        guard wide else { return lowSearch(cases) }
        var byHigh: [UInt32: [(UInt64, Action)]] = [:]
        for item in cases { byHigh[UInt32(truncatingIfNeeded: item.0 >> 32), default: []].append(item) }
        var highs = Array(byHigh.keys)
        ArgumentCode.sortFew(&highs)
        let highKeys = highs.map { h in (h, lowSearch(byHigh[h] ?? [])) }
        return g.add(.load(hi, next: search(highKeys[...], otherwise)))
    }
}

extension ArgumentCode {
    /// Sorts `a` ascending: see `sortFew(_:by:)`.
    static func sortFew<T: Comparable>(_ a: inout [T]) { sortFew(&a, by: <) }

    /// Sorts `a` by `less`, keeping equal elements in order (as `sort(by:)` does): the short
    /// arrays of argument code (an interval search's breaks, at most `2 * maximumIntervals`; a
    /// value search's keys, usually a few) by insertion, longer ones by the standard library. The standard sort's first use in a process makes the
    /// runtime scan the binary's conformance records (about 45 µs, at every start that compiles
    /// argument rules; docs/launch-performance.md, "Sixth round").
    static func sortFew<T>(_ a: inout [T], by less: (T, T) -> Bool) {
        guard a.count > 2 * maximumIntervals else {
            for i in a.indices.dropFirst() {
                let x = a[i]
                var j = i
                while j > 0, less(x, a[j - 1]) {
                    a[j] = a[j - 1]
                    j -= 1
                }
                a[j] = x
            }
            return
        }
        a.sort(by: less)
    }

    /// The most intervals an interval search covers (a program of at most about twice as many
    /// instructions per rule set).
    static let maximumIntervals = 64

    /// A decision whose rules each compare one and the same argument (same compared bits) with
    /// a constant, at least one of them not by equality, as a balanced `JGE` search over the
    /// maximal intervals of the argument with one action (first match decides, as in the rules):
    /// ⌈log2 K⌉ tests for K intervals on a 32-bit argument; on a 64-bit one, a search over the
    /// high word, and a search over the low word under the high words that need one. Nil when the
    /// rules do not have that shape, or the search would test as many words as the rules.
    static func intervalSearch(_ d: SyscallDecision, argumentBits: Int, littleEndian: Bool, _ g: inout Graph) -> Int? {
        guard let first = d.rules.first?.conditions.first, (0...5).contains(first.index) else { return nil }
        let index = first.index, bits = first.comparedBits(argumentBits: argumentBits)
        let top: UInt64 = bits >= 64 ? .max : 0xFFFF_FFFF
        var ordered = false
        var breaks: [UInt64] = []
        func after(_ v: UInt64) { if v < top { breaks.append(v + 1) } }
        for rule in d.rules {
            guard rule.conditions.count == 1, let c = rule.conditions.first, c.index == index,
                c.comparedBits(argumentBits: argumentBits) == bits
            else { return nil }
            let v = c.value & top
            switch c.op {
            case .equal:
                breaks.append(v)
                after(v)
            case .notEqual:
                ordered = true
                breaks.append(v)
                after(v)
            case .less, .greaterOrEqual:
                ordered = true
                breaks.append(v)
            case .lessOrEqual, .greater:
                ordered = true
                after(v)
            case .maskedEqual: return nil
            }
            if breaks.count >= 2 * maximumIntervals { return nil }
        }
        guard ordered else { return nil }
        ArgumentCode.sortFew(&breaks)
        // The intervals (start, action), equal neighbours merged; the action of an interval is
        // the rules' decision at its start (no rule's outcome changes inside an interval).
        var arguments = [UInt64](repeating: 0, count: 6)
        var pieces: [(start: UInt64, action: Action)] = []
        var starts: [UInt64] = [0]
        for b in breaks where b != starts[starts.count - 1] { starts.append(b) }
        for start in starts {
            arguments[index] = start
            let action = d.action(arguments: arguments, argumentBits: argumentBits)
            if pieces.last?.action != action { pieces.append((start, action)) }
        }
        guard pieces.count <= maximumIntervals else { return nil }
        func depth(_ n: Int) -> Int {
            var k = 0
            while (1 << k) < n { k += 1 }
            return k
        }
        let lo = BPF.offsetArgument(index, highHalf: false, littleEndian: littleEndian)
        // A balanced JGE search over sorted (start, node) pieces of one word.
        func search(_ p: ArraySlice<(UInt32, Int)>) -> Int {
            if p.count == 1 { return p[p.startIndex].1 }
            let mid = p.startIndex + p.count / 2
            let right = search(p[mid...]), left = search(p[..<mid])
            return right == left ? right : g.add(.jump(BPF.jge, p[mid].0, jt: right, jf: left))
        }
        if bits <= 32 {
            // The rules test the word once each (at least); the search ⌈log2 K⌉ times.
            guard depth(pieces.count) < d.rules.count else { return nil }
            return g.add(.load(lo, next: search(pieces.map { (UInt32(truncatingIfNeeded: $0.start), g.ret($0.action.returnValue)) }[...])))
        }
        // 64 bits: the high words at which the outcome may change; each high-word interval is
        // either one high word with pieces inside (a low-word search) or a run of whole words in one piece.
        var highStarts: [UInt32] = [0]
        for p in pieces where p.start != 0 {
            let h = UInt32(truncatingIfNeeded: p.start >> 32)
            highStarts.append(h)
            if p.start & 0xFFFF_FFFF != 0, h < .max { highStarts.append(h + 1) }
        }
        ArgumentCode.sortFew(&highStarts)
        var high: [(UInt32, Int)] = []
        var lowDepth = 0
        for h in highStarts where high.last?.0 != h {
            let wordStart = UInt64(h) << 32, wordEnd = wordStart | 0xFFFF_FFFF
            var low: [(UInt32, Int)] = []
            for (k, p) in pieces.enumerated() {
                let end = k + 1 < pieces.count ? pieces[k + 1].start - 1 : UInt64.max
                guard end >= wordStart, p.start <= wordEnd else { continue }
                low.append((UInt32(truncatingIfNeeded: max(p.start, wordStart)), g.ret(p.action.returnValue)))
            }
            lowDepth = max(lowDepth, low.count > 1 ? 1 + depth(low.count) : 0)
            let node = low.count == 1 ? low[0].1 : g.add(.load(lo, next: search(low[...])))
            if high.last?.1 != node { high.append((h, node)) }
        }
        // Each rule tests at least one word (two loads and tests for most); the search loads the
        // high word, searches it, and at most once the low word.
        guard 1 + depth(high.count) + lowDepth < 2 * d.rules.count else { return nil }
        let hi = BPF.offsetArgument(index, highHalf: true, littleEndian: littleEndian)
        return g.add(.load(hi, next: search(high[...])))
    }
}
