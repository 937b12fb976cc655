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
            let keys = items.map { (UInt32(truncatingIfNeeded: $0.0), g.ret($0.1.returnValue)) }.sorted { $0.0 < $1.0 }
            return g.add(.load(lo, next: search(keys[...], otherwise)))
        }
        guard wide else { return lowSearch(cases) }
        var byHigh: [UInt32: [(UInt64, Action)]] = [:]
        for item in cases { byHigh[UInt32(truncatingIfNeeded: item.0 >> 32), default: []].append(item) }
        let highKeys = byHigh.keys.sorted().map { h in (h, lowSearch(byHigh[h] ?? [])) }
        return g.add(.load(hi, next: search(highKeys[...], otherwise)))
    }
}
