// Graph.swift: the hash-consed DAG of BPF operations the passes build.

/// A hash-consed DAG of BPF operations; node ids are indices.
struct Graph {
    enum Node: Hashable {
        case ret(UInt32)
        case load(UInt32, next: Int)
        case and(UInt32, next: Int)
        case jump(UInt16, UInt32, jt: Int, jf: Int)
    }

    var nodes: [Node] = []
    var index: [Node: Int] = [:]
    /// Whether a value-set search was built (only then does another `Layout` change the program).
    var hasValueSearch = false

    /// The id of node `n`, added when new (one hash lookup either way).
    mutating func add(_ n: Node) -> Int {
        let id = index.id(for: n, next: nodes.count)
        if id == nodes.count { nodes.append(n) }
        return id
    }

    mutating func ret(_ v: UInt32) -> Int { add(.ret(v)) }

    /// Drops every load of a word the accumulator already holds on every path to it (argument
    /// tests after a `JSET` or a comparison of the same word): its users jump past it. Node ids
    /// are topological (a node's successors were added before it), so one pass from `root`
    /// downwards sees every user of a node before the node.
    mutating func dropRedundantLoads(root: Int) {
        // What the accumulator holds on entry: -2 no path seen yet, -1 unknown, else the offset loaded.
        var entry = [Int64](repeating: -2, count: nodes.count)
        entry[root] = -1
        func meet(_ s: Int, _ held: Int64) {
            entry[s] = entry[s] == -2 || entry[s] == held ? held : -1
        }
        var redundant = [Bool](repeating: false, count: nodes.count)
        for n in stride(from: nodes.count - 1, through: 0, by: -1) where entry[n] != -2 {
            switch nodes[n] {
            case .ret: break
            case .load(let offset, let next):
                redundant[n] = entry[n] == Int64(offset)
                meet(next, Int64(offset))
            case .and(_, let next): meet(next, -1)
            case .jump(_, _, let jt, let jf):
                meet(jt, entry[n])
                meet(jf, entry[n])
            }
        }
        func target(_ s: Int) -> Int {
            var s = s
            while redundant[s], case .load(_, let next) = nodes[s] { s = next }
            return s
        }
        guard redundant.contains(true) else { return }
        for n in stride(from: nodes.count - 1, through: 0, by: -1) where entry[n] != -2 {
            switch nodes[n] {
            case .ret: break
            case .load(let offset, let next): nodes[n] = .load(offset, next: target(next))
            case .and(let k, let next): nodes[n] = .and(k, next: target(next))
            case .jump(let op, let k, let jt, let jf): nodes[n] = .jump(op, k, jt: target(jt), jf: target(jf))
            }
        }
    }

    /// Adds a node known to be new (search-tree splits are unique), skipping the hash lookup.
    mutating func addUnique(_ n: Node) -> Int {
        nodes.append(n)
        return nodes.count - 1
    }
}
