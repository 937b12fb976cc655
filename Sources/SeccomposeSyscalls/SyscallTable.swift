// SyscallTable.swift: syscall name <-> number per ABI, from the generated table.

import Synchronization

/// The syscall numbering of every supported ABI, generated from libseccomp's syscalls.csv
/// (Linux 7.1) by `scripts/gen-syscall-tables.py`.
///
/// A name that an ABI lacks has no number there: lookups return nil, never a pseudo number.
public enum SyscallTable {
    struct Data: Sendable {
        /// Every name, sorted by byte value.
        var names: [String]
        /// name → column index → table number (without the ABI's base), nil when absent.
        var numbers: [String: [Int?]]
        var columnIndex: [String: Int]
        /// name → dense id (the index in `names`).
        var ids: [String: Int]
        /// Per ABI (by `Architecture.ordinal`): name id → number (base applied), or -1.
        var numberByID: [[Int]]
    }

    static let data: Data = {
        var lines = embeddedTSV.split(separator: "\n", omittingEmptySubsequences: true)
        let header = lines.removeFirst().split(separator: "\t").dropFirst().map(String.init)
        var columnIndex: [String: Int] = [:]
        for (i, c) in header.enumerated() { columnIndex[c] = i }
        var names: [String] = []
        var numbers: [String: [Int?]] = [:]
        for line in lines {
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false)
            let name = String(cells[0])
            names.append(name)
            numbers[name] = cells.dropFirst().map { Int($0) }
        }
        var ids: [String: Int] = [:]
        for (i, n) in names.enumerated() { ids[n] = i }
        let numberByID: [[Int]] = Architecture.allCases.map { abi in
            guard let col = columnIndex[abi.tableColumn] else { return Array(repeating: -1, count: names.count) }
            return names.map { name in (numbers[name]?[col] ?? nil).map { $0 + abi.syscallBase } ?? -1 }
        }
        return Data(names: names, numbers: numbers, columnIndex: columnIndex, ids: ids, numberByID: numberByID)
    }()

    /// Every syscall name the table knows, on any ABI, sorted by byte value.
    public static var allNames: [String] { data.names }

    /// Whether `name` is a syscall on at least one ABI.
    public static func isKnown(_ name: String) -> Bool { data.numbers[name] != nil }

    /// The number `name` has on `abi` (x32 bit and MIPS base included), or nil when the ABI
    /// has no such call.
    public static func number(of name: String, on abi: Architecture) -> Int? {
        guard let row = data.numbers[name], let col = data.columnIndex[abi.tableColumn],
            let n = row[col]
        else { return nil }
        return n + abi.syscallBase
    }

    /// Per-ABI lookups, made when an ABI is first asked about.
    struct ABIData: Sendable {
        var byNumber: [Int: String]
        var sorted: [(name: String, number: Int)]
    }

    static let abiCache = Mutex<[Architecture: ABIData]>([:])

    static func abiData(_ abi: Architecture) -> ABIData {
        if let hit = abiCache.withLock({ $0[abi] }) { return hit }
        let numbers = data.numberByID[abi.ordinal]
        var byNumber: [Int: String] = [:]
        var sorted: [(name: String, number: Int)] = []
        for (id, n) in numbers.enumerated() where n >= 0 {
            byNumber[n] = data.names[id]
            sorted.append((data.names[id], n))
        }
        sorted.sort { $0.number < $1.number }
        let made = ABIData(byNumber: byNumber, sorted: sorted)
        abiCache.withLock { $0[abi] = made }
        return made
    }

    /// The name of syscall `number` on `abi`, or nil when the ABI has no such number.
    public static func name(of number: Int, on abi: Architecture) -> String? {
        abiData(abi).byNumber[number]
    }

    /// All (name, number) pairs of `abi`, sorted by number.
    public static func syscalls(on abi: Architecture) -> [(name: String, number: Int)] {
        abiData(abi).sorted
    }

    /// The ABIs on which `name` exists.
    public static func architectures(having name: String) -> [Architecture] {
        Architecture.allCases.filter { number(of: name, on: $0) != nil }
    }

    /// A dense id for `name` (stable within one build), or nil for an unknown name.
    public static func id(of name: String) -> Int? { data.ids[name] }

    /// The numbers of every name id on `abi` (base applied; -1 where the ABI lacks the call).
    public static func numbersByID(on abi: Architecture) -> [Int] { data.numberByID[abi.ordinal] }
}
