// LearnEvidence.swift: what one or more learning runs observed, as a value and as the JSON
// document `learn --format json` writes and `learn --merge` reads (`seccompose.learn/1`).

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

/// Every syscall a syscall number made on one ABI, with the first process that made it.
public struct ObservedSyscall: Sendable, Hashable, Codable {
    /// The ABI (`x86_64`, `x32`, `i386`, …).
    public var abi: String
    /// The number as the filter saw it (x32 numbers carry 0x40000000).
    public var number: Int
    /// The name on `abi`, nil when the number is not a syscall there.
    public var name: String?
    /// How many times it was made (across merged runs).
    public var count: Int
    /// The first process that made it (thread-group id).
    public var firstPid: Int32
    /// Its command name.
    public var firstCommand: String
    /// Its executable, when known.
    public var firstExecutable: String?
    /// What the argument-checked calls among them passed, in words (`AF_INET`, `CLONE_NEWNET`,
    /// `PROT_WRITE|PROT_EXEC`, …), sorted.
    public var argumentClasses: [String]

    /// An observed syscall.
    public init(abi: String, number: Int, name: String?, count: Int, firstPid: Int32, firstCommand: String,
        firstExecutable: String?, argumentClasses: [String])
    {
        self.abi = abi
        self.number = number
        self.name = name
        self.count = count
        self.firstPid = firstPid
        self.firstCommand = firstCommand
        self.firstExecutable = firstExecutable
        self.argumentClasses = argumentClasses
    }
}

/// A call a directive at its strictest would have refused, with the arguments that decided it.
public struct ArgumentObservation: Sendable, Hashable, Codable {
    /// The ABI.
    public var abi: String
    /// The number as the filter saw it.
    public var number: Int
    /// The name on `abi`.
    public var name: String?
    /// The argument registers the directives' filters compare (the others zeroed).
    public var arguments: [UInt64]
    /// What a pointer argument held when the filter cannot see it: `clone3`'s flags.
    public var pointee: UInt64?
    /// How many times these arguments were seen.
    public var count: Int
    /// The arguments in words, e.g. `AF_INET6`.
    public var argumentClass: String

    /// An observed argument-checked call.
    public init(abi: String, number: Int, name: String?, arguments: [UInt64], pointee: UInt64?, count: Int,
        argumentClass: String)
    {
        self.abi = abi
        self.number = number
        self.name = name
        self.arguments = arguments
        self.pointee = pointee
        self.count = count
        self.argumentClass = argumentClass
    }

    /// The socket family of a `socket`/`socketpair` call.
    public var addressFamily: Int? {
        guard name == "socket" || name == "socketpair", let f = arguments.first else { return nil }
        return Int(truncatingIfNeeded: f & 0xFFFF_FFFF)
    }

    /// The namespace flags of a `clone`, `clone3`, `unshare` or `setns` call (`setns` with type 0
    /// may join any: every flag).
    public var namespaceFlags: UInt64? {
        switch name {
        case "clone", "unshare": return arguments.first.map { $0 & NamespaceType.tableFlags }
        case "clone3": return pointee.map { $0 & NamespaceType.tableFlags }
        case "setns":
            guard arguments.count > 1 else { return nil }
            let t = arguments[1] & 0xFFFF_FFFF
            return t == 0 ? NamespaceType.tableFlags : t & NamespaceType.tableFlags
        default: return nil
        }
    }

    var key: String { "\(abi)/\(number)/\(arguments.map { String($0, radix: 16) }.joined(separator: ","))/\(pointee.map { String($0) } ?? "-")" }
}

/// A directive the runs prove safe, or why not.
public struct DirectiveFinding: Sendable, Hashable, Codable {
    /// The directive's key, e.g. `RestrictNamespaces`.
    public var directive: String
    /// The value to set, nil when it cannot be set.
    public var value: String?
    /// The first observed call it would refuse, when one would.
    public var blockedBy: String?
    /// Why it is not set, in words, when it is not.
    public var reason: String?
}

/// The evidence of one or more learning runs.
public struct LearnEvidence: Sendable, Codable {
    /// `seccompose.learn/1`.
    public var schema = LearnEvidence.schemaName
    /// The Seccompose version that recorded it.
    public var seccomposeVersion = SeccomposeVersion.current
    /// The systemd version whose group tables and directive filters were used.
    public var systemd: Int
    /// The native ABI of the machine the runs were on.
    public var native: String
    /// How many runs were merged into this.
    public var runs: Int
    /// The commands that ran, one array per command.
    public var commands: [[String]]
    /// Their exit statuses, in the same order.
    public var exitStatuses: [Int]
    /// Whether every run's records are known complete: lossless source, no lost records, every
    /// process followed, every notified call seen. A learned filter is only as good as this.
    public var complete: Bool
    /// Audit records known to be lost.
    public var lostRecords: Int
    /// Why the evidence may be incomplete, one sentence each.
    public var problems: [String]
    /// Every (ABI, syscall) observed, sorted by ABI then number.
    public var syscalls: [ObservedSyscall]
    /// The argument-checked calls, sorted.
    public var argumentCalls: [ArgumentObservation]
    /// Whether the arguments of argument-checked calls were recorded (false for evidence from
    /// journal records, which carry none: no argument-backed directive is proven then).
    public var argumentsRecorded: Bool

    /// The JSON document's schema name.
    public static let schemaName = "seccompose.learn/1"

    /// Evidence with nothing observed.
    public init(systemd: SystemdVersion, native: Architecture) {
        self.systemd = systemd.rawValue
        self.native = native.name
        runs = 0
        commands = []
        exitStatuses = []
        complete = true
        lostRecords = 0
        problems = []
        syscalls = []
        argumentCalls = []
        argumentsRecorded = true
    }

    /// The ABIs something was observed on, native first.
    public var abis: [Architecture] {
        let seen = Set(syscalls.map(\.abi))
        let home = Architecture(name: native)
        let order = (home.map { [$0] } ?? []) + (home?.localABIs ?? []) + Architecture.allCases
        var out: [Architecture] = []
        for a in order where seen.contains(a.name) && !out.contains(a) { out.append(a) }
        return out
    }

    /// The names observed on `abi` (numbers without a name are left out).
    public func names(on abi: Architecture) -> Set<String> {
        Set(syscalls.filter { $0.abi == abi.name }.compactMap(\.name))
    }

    /// Merges `other` into this evidence: counts add up, the first process stays the earlier
    /// run's, completeness holds only if both were complete.
    ///
    /// - Throws: `LearnError` when the two were recorded for different systemd versions or
    ///   native ABIs.
    public mutating func merge(_ other: LearnEvidence) throws(LearnError) {
        guard other.systemd == systemd, other.native == native else {
            throw LearnError(
                message: "cannot merge evidence recorded for systemd \(other.systemd) on \(other.native) into systemd \(systemd) on \(native)",
                fix: "learn every run with the same --systemd on the same kind of machine")
        }
        runs += other.runs
        commands += other.commands
        exitStatuses += other.exitStatuses
        complete = complete && other.complete
        argumentsRecorded = argumentsRecorded && other.argumentsRecorded
        lostRecords += other.lostRecords
        for p in other.problems where !problems.contains(p) { problems.append(p) }
        for s in other.syscalls { add(s) }
        var argKeys: [String: Int] = [:]
        for (i, a) in argumentCalls.enumerated() { argKeys[a.key] = i }
        for a in other.argumentCalls {
            if let i = argKeys[a.key] {
                argumentCalls[i].count += a.count
            } else {
                argKeys[a.key] = argumentCalls.count
                argumentCalls.append(a)
            }
        }
        sort()
    }

    /// Adds an observation of a syscall: a new (ABI, number) is appended; a known one gets
    /// the count added and the argument classes joined, and keeps its first process.
    mutating func add(_ s: ObservedSyscall) {
        guard let i = syscalls.firstIndex(where: { $0.abi == s.abi && $0.number == s.number }) else {
            syscalls.append(s)
            return
        }
        syscalls[i].count += s.count
        if !s.argumentClasses.isEmpty {
            syscalls[i].argumentClasses = Array(Set(syscalls[i].argumentClasses + s.argumentClasses)).sorted()
        }
    }

    /// Sorts the syscalls and argument calls into their canonical order.
    mutating func sort() {
        let rank = Dictionary(uniqueKeysWithValues: abis.enumerated().map { ($1.name, $0) })
        syscalls.sort { (rank[$0.abi] ?? 99, $0.number) < (rank[$1.abi] ?? 99, $1.number) }
        argumentCalls.sort { (rank[$0.abi] ?? 99, $0.number, $0.key) < (rank[$1.abi] ?? 99, $1.number, $1.key) }
    }
}

/// Why learning could not produce a result.
public struct LearnError: ReportableError, Sendable, Hashable {
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// The file concerned, when one is.
    public var file: String?

    /// An error with its fix.
    public init(message: String, fix: String, file: String? = nil) {
        self.message = message
        self.fix = fix
        self.file = file
    }

    /// `FILE: error: message` and the fix.
    public var report: ErrorReport {
        ErrorReport(message, at: file.map { SourcePosition(file: $0, line: 0, column: 0) }, fix: fix)
    }
}
