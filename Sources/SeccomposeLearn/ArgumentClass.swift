// ArgumentClass.swift: the arguments of an argument-checked call in words, for the evidence and
// for the drop-in's comments.

import SeccomposeSystemd

/// Describes the arguments that decide the provable directives.
enum ArgumentClass {
    /// The argument indexes `describe` reads for `name` (kept in observations even when the
    /// strictest filter refuses the call whatever its arguments).
    static func describedIndexes(_ name: String?) -> Set<Int> {
        switch name {
        case "socket", "socketpair", "clone", "unshare", "personality": return [0]
        case "setns", "sched_setscheduler", "chmod", "fchmod", "creat", "mkdir", "mknod": return [1]
        case "mmap", "mmap2", "mprotect", "pkey_mprotect", "shmat", "fchmodat", "fchmodat2", "mkdirat", "mknodat", "open":
            return [2]
        case "openat": return [3]
        default: return []
        }
    }

    static func describe(_ o: ArgumentObservation, bits: Int) -> String {
        let a = o.arguments
        func arg(_ i: Int) -> UInt64 { i < a.count ? (bits == 32 ? a[i] & 0xFFFF_FFFF : a[i]) : 0 }
        switch o.name {
        case "socket", "socketpair":
            let f = Int(arg(0))
            return AddressFamily.name(of: f) ?? "family \(f)"
        case "clone", "unshare":
            return namespaces(arg(0))
        case "clone3":
            return o.pointee.map(namespaces) ?? "flags unreadable"
        case "setns":
            return arg(1) == 0 ? "any namespace type" : namespaces(arg(1))
        case "mmap", "mmap2", "mprotect", "pkey_mprotect":
            return protection(arg(2))
        case "shmat":
            return arg(2) & 0o100000 != 0 ? "SHM_EXEC" : "flags 0x\(String(arg(2), radix: 16))"
        case "personality":
            return "personality 0x\(String(arg(0), radix: 16))"
        case "sched_setscheduler":
            return "policy \(schedulingPolicy(arg(1)))"
        case "chmod", "fchmod", "creat":
            return mode(o.name == "fchmod" || o.name == "chmod" || o.name == "creat" ? arg(1) : 0)
        case "fchmodat", "fchmodat2", "mkdirat", "mknodat":
            return mode(arg(2))
        case "mkdir", "mknod":
            return mode(arg(1))
        case "open":
            return mode(arg(2))
        case "openat":
            return mode(arg(3))
        default:
            let shown = a.enumerated().filter { $0.element != 0 }.map { "a\($0.offset)=0x\(String($0.element, radix: 16))" }
            return shown.isEmpty ? "no arguments compared" : shown.joined(separator: " ")
        }
    }

    private static func namespaces(_ flags: UInt64) -> String {
        let names = NamespaceType.allCases.filter { flags & $0.flag != 0 }.map { "CLONE_NEW\($0 == .mnt ? "NS" : $0.rawValue.uppercased())" }
        return names.isEmpty ? "no namespace flags" : names.joined(separator: "|")
    }

    private static func protection(_ prot: UInt64) -> String {
        var parts: [String] = []
        if prot & 1 != 0 { parts.append("PROT_READ") }
        if prot & 2 != 0 { parts.append("PROT_WRITE") }
        if prot & 4 != 0 { parts.append("PROT_EXEC") }
        return parts.isEmpty ? "PROT_NONE" : parts.joined(separator: "|")
    }

    private static func schedulingPolicy(_ p: UInt64) -> String {
        switch p & 0xFFFF_FFFF & ~0x4000_0000 {
        case 0: return "SCHED_OTHER"
        case 1: return "SCHED_FIFO"
        case 2: return "SCHED_RR"
        case 3: return "SCHED_BATCH"
        case 5: return "SCHED_IDLE"
        case 6: return "SCHED_DEADLINE"
        default: return String(p)
        }
    }

    private static func mode(_ m: UInt64) -> String {
        var parts: [String] = []
        if m & 0o4000 != 0 { parts.append("S_ISUID") }
        if m & 0o2000 != 0 { parts.append("S_ISGID") }
        return parts.isEmpty ? "mode 0\(String(m, radix: 8))" : parts.joined(separator: "|") + " (mode 0\(String(m, radix: 8)))"
    }
}
