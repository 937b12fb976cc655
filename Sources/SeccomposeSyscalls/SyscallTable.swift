// SyscallTable.swift: syscall name <-> number per ABI, from the generated table.

import Synchronization

/// The syscall numbering of every supported ABI, generated from libseccomp's syscalls.csv
/// (Linux 7.1) by `scripts/gen-syscall-tables.py`.
///
/// A name that an ABI lacks has no number there: lookups return nil, never a pseudo number.
public enum SyscallTable {
    struct Data: Sendable {
        /// Every name, sorted by byte value; a name's index is its id.
        var names: [String]
        /// name → id.
        var ids: NameIndex
        /// Table numbers by id, one row of `columnCount` cells per name; -1 where absent.
        var cells: [Int32]
        var columnCount: Int
        /// Per ABI (by `Architecture.ordinal`): its column in `cells`, or -1 when the table has none.
        var columnByABI: [Int]

        /// The number of name `id` on `abi` (base applied), or -1 where the ABI lacks it.
        @inline(__always)
        func number(id: Int, on abi: Architecture) -> Int {
            let column = columnByABI[abi.ordinal]
            guard column >= 0 else { return -1 }
            let n = cells[id &* columnCount &+ column]
            return n < 0 ? -1 : Int(n) + abi.syscallBase
        }
    }

    /// The embedded table, indexed once (start-up cost matters for `run`): the names and cells
    /// are generated as literals, so only the name index and each ABI's column are found here.
    static let data: Data = {
        let names = embeddedNames, cells = embeddedCells, count = embeddedColumns.count
        let ids = NameIndex(names)
        // Numbers are read from the cells when asked for (no per-ABI copy of the table at start-up).
        let columnByABI = Architecture.allCases.map { embeddedColumns.firstIndex(of: $0.tableColumn) ?? -1 }
        return Data(names: names, ids: ids, cells: cells, columnCount: count, columnByABI: columnByABI)
    }()

    /// Every syscall name the table knows, on any ABI, sorted by byte value.
    public static var allNames: [String] { data.names }

    /// Whether `name` is a syscall on at least one ABI.
    public static func isKnown(_ name: String) -> Bool { data.ids.id(of: name) != nil }

    /// The number `name` has on `abi` (x32 bit and MIPS base included), or nil when the ABI
    /// has no such call.
    public static func number(of name: String, on abi: Architecture) -> Int? {
        guard let id = data.ids.id(of: name) else { return nil }
        let n = data.number(id: id, on: abi)
        return n < 0 ? nil : n
    }

    /// Per-ABI lookups, made when an ABI is first asked about.
    struct ABIData: Sendable {
        var sorted: [(name: String, number: Int)]
        /// The numbers of `sorted`, in its order (for binary searches by number).
        var numbers: [UInt32]
        /// Name id → index in `sorted`, or -1 where the ABI lacks the call.
        var rankByID: [Int32]
    }

    static let abiCache = Mutex<[Architecture: ABIData]>([:])

    static func abiData(_ abi: Architecture) -> ABIData {
        if let hit = abiCache.withLock({ $0[abi] }) { return hit }
        let table = data
        // The generated per-column order lists the column's ids by number, so the ABI's table
        // is made in number order without a sort (whose first use in a process cost a scan of
        // every conformance record of the binary).
        let column = table.columnByABI[abi.ordinal]
        let order = column >= 0 ? embeddedNumberOrder[column] : []
        var rankByID = [Int32](repeating: -1, count: table.names.count)
        var sorted: [(name: String, number: Int)] = []
        sorted.reserveCapacity(order.count)
        var numbers: [UInt32] = []
        numbers.reserveCapacity(order.count)
        for entry in order {
            let id = Int(entry), number = table.number(id: id, on: abi)
            rankByID[id] = Int32(sorted.count)
            sorted.append((table.names[id], number))
            numbers.append(UInt32(truncatingIfNeeded: number))
        }
        let made = ABIData(sorted: sorted, numbers: numbers, rankByID: rankByID)
        abiCache.withLock { $0[abi] = made }
        return made
    }

    /// `abi`'s numbers ascending (`syscalls(on:)`'s, as UInt32) and each name id's rank among them
    /// (-1 where the ABI lacks the call): the table in number order for the compiler's passes.
    package static func numberOrder(on abi: Architecture) -> (numbers: [UInt32], rankByID: [Int32]) {
        let d = abiData(abi)
        return (d.numbers, d.rankByID)
    }

    /// The name of syscall `number` on `abi`, or nil when the ABI has no such number.
    public static func name(of number: Int, on abi: Architecture) -> String? {
        guard let key = UInt32(exactly: number) else { return nil }
        let d = abiData(abi)
        // `numbers` ascends (numbers are unique per ABI): the first index not below `key`.
        var low = 0, high = d.numbers.count
        while low < high {
            let mid = (low + high) / 2
            if d.numbers[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < d.numbers.count && d.numbers[low] == key ? d.sorted[low].name : nil
    }

    /// All (name, number) pairs of `abi`, sorted by number.
    public static func syscalls(on abi: Architecture) -> [(name: String, number: Int)] {
        abiData(abi).sorted
    }

    /// The pairs of `syscalls(on:)` whose name is one of `names`, in the same order (by number):
    /// for iterating over a few names as over the whole table.
    public static func syscalls(on abi: Architecture, among names: some Sequence<String>) -> [(name: String, number: Int)] {
        syscalls(on: abi, among: Array(names))
    }

    /// `syscalls(on:among:)` for an array of names. Not generic: iterating a generic sequence such
    /// as a dictionary's keys made the runtime scan the binary's conformance records at first use
    /// (docs/launch-performance.md, "Sixth round"); and the names are put in table order by
    /// marking their ranks, without a sort (whose first use scans too).
    public static func syscalls(on abi: Architecture, among names: [String]) -> [(name: String, number: Int)] {
        let d = abiData(abi)
        var wanted = [Bool](repeating: false, count: d.sorted.count)
        var any = false
        for name in names {
            guard let id = data.ids.id(of: name) else { continue }
            let rank = Int(d.rankByID[id])
            if rank >= 0 {
                wanted[rank] = true
                any = true
            }
        }
        guard any else { return [] }
        var out: [(name: String, number: Int)] = []
        for (rank, w) in wanted.enumerated() where w { out.append(d.sorted[rank]) }
        return out
    }

    /// The ABIs on which `name` exists.
    public static func architectures(having name: String) -> [Architecture] {
        Architecture.allCases.filter { number(of: name, on: $0) != nil }
    }

    /// A dense id for `name` (stable within one build), or nil for an unknown name.
    public static func id(of name: String) -> Int? { data.ids.id(of: name) }

    /// The index behind `id(of:)`, for callers that resolve many names in a loop.
    package static var nameIndex: NameIndex { data.ids }

    /// The numbers of every name id on `abi` (base applied; -1 where the ABI lacks the call).
    public static func numbersByID(on abi: Architecture) -> [Int] {
        let table = data
        return (0..<table.names.count).map { table.number(id: $0, on: abi) }
    }
}
