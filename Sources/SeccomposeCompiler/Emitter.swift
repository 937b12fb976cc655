// Emitter.swift: pass 3, the graph laid out as a program (long jumps rewritten).

/// Lays the graph out as a program, backwards, so every jump target is already placed.
/// Conditional jumps reach at most 255 instructions: farther targets get a copy of the `RET`
/// right after the jump, or a `JA` trampoline, which later jumps share while in reach.
enum Emitter {
    static func emit(_ g: Graph, root: Int) -> [BPFInstruction] {
        // Post-order: successors before their users; the fall-through successor visited last.
        var order: [Int] = []
        var state = [UInt8](repeating: 0, count: g.nodes.count)
        var stack: [(Int, Bool)] = [(root, false)]
        while let (n, expanded) = stack.popLast() {
            if expanded {
                if state[n] != 2 {
                    state[n] = 2
                    order.append(n)
                }
                continue
            }
            if state[n] != 0 { continue }
            state[n] = 1
            stack.append((n, true))
            switch g.nodes[n] {
            case .ret: break
            case .load(_, let next), .and(_, let next):
                if state[next] == 0 { stack.append((next, false)) }
            case .jump(_, _, let jt, let jf):
                // Pushed last = visited first = placed farther away; jf (false) stays close.
                if state[jf] == 0 { stack.append((jf, false)) }
                if state[jt] == 0 { stack.append((jt, false)) }
            }
        }
        var out = Placement(nodes: g.nodes)
        for n in order {
            switch g.nodes[n] {
            case .ret(let v):
                out.position[n] = out.place(BPF.returnValue(v))
            case .load(let off, let next), .and(let off, let next):
                if out.position[next] != out.rev.count - 1 { _ = out.place(BPF.jumpAlways(UInt32(out.distance(out.position[next])))) }
                let ins = { if case .load = g.nodes[n] { return BPF.loadAbsolute(off) } else { return BPF.andK(off) } }()
                out.position[n] = out.place(ins)
            case .jump(let op, let k, let jt, let jf):
                var pt = out.reach(jt), pf = out.reach(jf)
                // A copy placed for one target moves the other one step farther.
                while out.distance(pt) > 255 || out.distance(pf) > 255 {
                    if out.distance(pt) > 255 {
                        pt = out.reach(jt)
                    } else {
                        pf = out.reach(jf)
                    }
                }
                out.position[n] = out.place(BPF.jump(op, k, jt: UInt8(out.distance(pt)), jf: UInt8(out.distance(pf))))
            }
        }
        return out.rev.reversed()
    }

    /// The program laid out so far, backwards.
    struct Placement {
        let nodes: [Graph.Node]
        var rev: [BPFInstruction] = []  // rev[0] is the program's last instruction
        var position: [Int]
        // The latest copy of each node placed for far jumps (-1: none): jumps after it reuse it
        // while it is in reach, so a far target costs one copy per 256 instructions, not one
        // per jump (thousands of argument values all jump to one RET).
        var copy: [Int]

        init(nodes: [Graph.Node]) {
            self.nodes = nodes
            position = [Int](repeating: -1, count: nodes.count)
            copy = [Int](repeating: -1, count: nodes.count)
            rev.reserveCapacity(nodes.count + nodes.count / 4)
        }

        /// Distance from a new instruction (appended at rev.count) to target position p.
        func distance(_ p: Int) -> Int { rev.count - 1 - p }

        mutating func place(_ i: BPFInstruction) -> Int {
            rev.append(i)
            return rev.count - 1
        }

        /// A position of `node` (or of a copy) that a following conditional jump reaches: the
        /// node itself, the latest copy, or a new RET copy or JA placed here.
        mutating func reach(_ node: Int) -> Int {
            if distance(position[node]) <= 255 { return position[node] }
            if copy[node] >= 0, distance(copy[node]) <= 255 { return copy[node] }
            if case .ret(let v) = nodes[node] {
                copy[node] = place(BPF.returnValue(v))
            } else {
                copy[node] = place(BPF.jumpAlways(UInt32(distance(position[node]))))
            }
            return copy[node]
        }
    }
}
