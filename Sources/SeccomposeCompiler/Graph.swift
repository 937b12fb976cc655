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

    mutating func add(_ n: Node) -> Int {
        if let i = index[n] { return i }
        nodes.append(n)
        index[n] = nodes.count - 1
        return nodes.count - 1
    }

    mutating func ret(_ v: UInt32) -> Int { add(.ret(v)) }

    /// Adds a node known to be new (search-tree splits are unique), skipping the hash lookup.
    mutating func addUnique(_ n: Node) -> Int {
        nodes.append(n)
        return nodes.count - 1
    }
}
