// ArgumentClass.swift: the arguments of an argument-checked call in words, for the evidence and
// for the drop-in's comments.

import SeccomposeSystemd

/// Describes the arguments that decide the provable directives.
enum ArgumentClass {
    /// How an argument is put in words.
    private enum Kind {
        case family, namespaces, namespaceType, protection, shmFlags, personality, schedulingPolicy, mode
    }

    /// The argument that decides each call, and how it reads (clone3's flags are behind a
    /// pointer: `ArgumentObservation.pointee`).
    private static let decidingArgument: [String: (index: Int, kind: Kind)] = [
        "socket": (0, .family), "socketpair": (0, .family),
        "clone": (0, .namespaces), "unshare": (0, .namespaces), "setns": (1, .namespaceType),
        "mmap": (2, .protection), "mmap2": (2, .protection), "mprotect": (2, .protection), "pkey_mprotect": (2, .protection),
        "shmat": (2, .shmFlags), "personality": (0, .personality), "sched_setscheduler": (1, .schedulingPolicy),
        "chmod": (1, .mode), "fchmod": (1, .mode), "creat": (1, .mode), "mkdir": (1, .mode), "mknod": (1, .mode),
        "fchmodat": (2, .mode), "fchmodat2": (2, .mode), "mkdirat": (2, .mode), "mknodat": (2, .mode), "open": (2, .mode),
        "openat": (3, .mode),
    ]

    /// The argument indexes `describe` reads for `name` (kept in observations even when the
    /// strictest filter refuses the call whatever its arguments).
    static func describedIndexes(_ name: String?) -> Set<Int> {
        name.flatMap { decidingArgument[$0] }.map { [$0.index] } ?? []
    }

    static func describe(_ o: ArgumentObservation, bits: Int) -> String {
        let a = o.arguments
        if o.name == "clone3" { return o.pointee.map(namespaces) ?? "flags unreadable" }
        guard let (index, kind) = o.name.flatMap({ decidingArgument[$0] }) else {
            let shown = a.enumerated().filter { $0.element != 0 }.map { "a\($0.offset)=0x\(String($0.element, radix: 16))" }
            return shown.isEmpty ? "no arguments compared" : shown.joined(separator: " ")
        }
        let v = index < a.count ? (bits == 32 ? a[index] & 0xFFFF_FFFF : a[index]) : 0
        switch kind {
        case .family: return AddressFamily.name(of: Int(v)) ?? "family \(v)"
        case .namespaces: return namespaces(v)
        case .namespaceType: return v == 0 ? "any namespace type" : namespaces(v)
        case .protection: return protection(v)
        case .shmFlags: return v & 0o100000 != 0 ? "SHM_EXEC" : "flags 0x\(String(v, radix: 16))"
        case .personality: return "personality 0x\(String(v, radix: 16))"
        case .schedulingPolicy: return "policy \(schedulingPolicy(v))"
        case .mode: return mode(v)
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
