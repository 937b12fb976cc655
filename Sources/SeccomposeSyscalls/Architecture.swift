// Architecture.swift: the syscall ABIs Seccompose knows, with their audit identities and names.

/// A syscall ABI: the pair (AUDIT_ARCH value, syscall numbering) that a seccomp filter sees.
///
/// The raw value is libseccomp's architecture name (`scmp_sys_resolver -a NAME`).
/// x32 shares `AUDIT_ARCH_X86_64` with x86-64 and is told apart by bit 30 of the syscall
/// number; MIPS ABIs number their calls from a base (4000, 5000, 6000).
public enum Architecture: String, CaseIterable, Sendable, Hashable, Codable, Comparable {
    case x86_64
    case x32
    case x86
    case aarch64
    case arm
    case riscv64
    case ppc64le
    case ppc64
    case ppc
    case s390x
    case s390
    case loongarch64
    case mips
    case mipsel
    case mips64
    case mipsel64
    case mips64n32
    case mipsel64n32
    case parisc
    case parisc64
    case m68k
    case sh
    case sheb

    /// The order used for listings: the declaration order above.
    public static func < (lhs: Architecture, rhs: Architecture) -> Bool {
        lhs.ordinal < rhs.ordinal
    }

    var ordinal: Int { Architecture.allCases.firstIndex(of: self) ?? 0 }

    /// libseccomp's name for the ABI, as `scmp_sys_resolver -a` takes it.
    public var name: String { rawValue }

    private static let audit64: UInt32 = 0x8000_0000
    private static let auditLE: UInt32 = 0x4000_0000
    private static let auditMIPSN32: UInt32 = 0x2000_0000

    /// The `AUDIT_ARCH_*` value the kernel reports in `seccomp_data.arch`.
    public var auditArch: UInt32 {
        let a64 = Architecture.audit64, le = Architecture.auditLE, n32 = Architecture.auditMIPSN32
        switch self {
        case .x86_64, .x32: return 62 | a64 | le
        case .x86: return 3 | le
        case .aarch64: return 183 | a64 | le
        case .arm: return 40 | le
        case .riscv64: return 243 | a64 | le
        case .ppc64le: return 21 | a64 | le
        case .ppc64: return 21 | a64
        case .ppc: return 20
        case .s390x: return 22 | a64
        case .s390: return 22
        case .loongarch64: return 258 | a64 | le
        case .mips: return 8
        case .mipsel: return 8 | le
        case .mips64: return 8 | a64
        case .mipsel64: return 8 | a64 | le
        case .mips64n32: return 8 | a64 | n32
        case .mipsel64n32: return 8 | a64 | le | n32
        case .parisc: return 15
        case .parisc64: return 15 | a64
        case .m68k: return 4
        case .sh: return 42 | le
        case .sheb: return 42
        }
    }

    /// The x32 syscall bit (`__X32_SYSCALL_BIT`, 0x40000000).
    public static let x32SyscallBit: UInt32 = 0x4000_0000

    /// What the kernel adds to the table number to form the syscall number this ABI uses:
    /// the x32 bit for x32, the o32/n64/n32 bases for MIPS, 0 elsewhere.
    public var syscallBase: Int {
        switch self {
        case .x32: return Int(Architecture.x32SyscallBit)
        case .mips, .mipsel: return 4000
        case .mips64, .mipsel64: return 5000
        case .mips64n32, .mipsel64n32: return 6000
        default: return 0
        }
    }

    /// The column of libseccomp's syscalls.csv that numbers this ABI's calls.
    public var tableColumn: String {
        switch self {
        case .ppc64le: return "ppc64"
        case .mipsel: return "mips"
        case .mipsel64: return "mips64"
        case .mipsel64n32: return "mips64n32"
        case .sheb: return "sh"
        default: return rawValue
        }
    }

    /// Whether the ABI passes 64-bit syscall arguments.
    public var is64Bit: Bool { auditArch & Architecture.audit64 != 0 && self != .x32 && !isMIPSN32 }

    private var isMIPSN32: Bool { self == .mips64n32 || self == .mipsel64n32 }

    /// Whether the ABI passes 64-bit argument registers: the 64-bit ABIs, and x32 and MIPS n32,
    /// whose registers are 64 bits wide although their arguments are judged on 32 by default.
    public var hasWideRegisters: Bool { auditArch & Architecture.audit64 != 0 }

    /// Whether the ABI is little-endian.
    public var isLittleEndian: Bool { auditArch & Architecture.auditLE != 0 }

    /// The name systemd's `SystemCallArchitectures=` uses, or nil where systemd has none.
    public var systemdName: String? {
        switch self {
        case .x86_64: return "x86-64"
        case .x32: return "x32"
        case .x86: return "x86"
        case .aarch64: return "arm64"
        case .arm: return "arm"
        case .riscv64: return "riscv64"
        case .ppc64le: return "ppc64-le"
        case .ppc64: return "ppc64"
        case .ppc: return "ppc"
        case .s390x: return "s390x"
        case .s390: return "s390"
        case .loongarch64: return "loongarch64"
        case .mips: return "mips"
        case .mipsel: return "mips-le"
        case .mips64: return "mips64"
        case .mipsel64: return "mips64-le"
        case .mips64n32: return "mips64-n32"
        case .mipsel64n32: return "mips64-le-n32"
        case .parisc: return "parisc"
        case .parisc64: return "parisc64"
        case .m68k, .sh, .sheb: return nil
        }
    }

    /// The name Docker and OCI profiles use (`SCMP_ARCH_…`).
    public var ociName: String { "SCMP_ARCH_" + rawValue.uppercased() }

    /// Looks an ABI up by libseccomp name, systemd name, OCI name or a common alias
    /// (`i386`, `amd64`, `arm64`); nil when nothing matches.
    public init?(name: String) {
        guard let a = Architecture.byName[name] else { return nil }
        self = a
    }

    /// Every name `init?(name:)` knows, with its ABI, made once: the libseccomp name first, then
    /// the systemd and OCI names of the first ABI in `allCases` that has them, then the aliases
    /// (entered in the reverse order, each later entry winning over an earlier one).
    private static let byName: [String: Architecture] = {
        var table: [String: Architecture] = ["i386": .x86, "i686": .x86, "amd64": .x86_64, "x86-64": .x86_64, "arm64": .aarch64]
        for a in allCases.reversed() {
            if let s = a.systemdName { table[s] = a }
            table[a.ociName] = a
        }
        for a in allCases { table[a.rawValue] = a }
        return table
    }()

    /// Parses a systemd `SystemCallArchitectures=` token exactly as systemd does
    /// (`seccomp_arch_from_string`): only systemd's own spellings, `native` excluded.
    public init?(systemdName: String) {
        guard let a = Architecture.allCases.first(where: { $0.systemdName == systemdName }) else { return nil }
        self = a
    }

    /// The ABI this program was compiled for.
    public static var native: Architecture {
        #if arch(x86_64)
            return .x86_64
        #elseif arch(arm64)
            return .aarch64
        #elseif arch(i386)
            return .x86
        #elseif arch(arm)
            return .arm
        #elseif arch(powerpc64le)
            return .ppc64le
        #elseif arch(powerpc64)
            return .ppc64
        #elseif arch(s390x)
            return .s390x
        #elseif arch(riscv64)
            return .riscv64
        #else
            return .x86_64
        #endif
    }

    /// The ABIs a kernel running on `self` accepts syscalls from, in the order systemd installs
    /// filters for them (`seccomp_local_archs[]`: the native one last).
    public var localABIs: [Architecture] {
        switch self {
        case .x86_64: return [.x86, .x32, .x86_64]
        case .x32: return [.x86, .x86_64, .x32]
        case .aarch64: return [.arm, .aarch64]
        case .ppc64le: return [.ppc, .ppc64, .ppc64le]
        case .ppc64: return [.ppc, .ppc64le, .ppc64]
        case .s390x: return [.s390, .s390x]
        case .parisc64: return [.parisc, .parisc64]
        case .mips64: return [.mips, .mipsel, .mipsel64, .mips64n32, .mipsel64n32, .mips64]
        case .mipsel64: return [.mips, .mipsel, .mips64, .mips64n32, .mipsel64n32, .mipsel64]
        default: return [self]
        }
    }
}

extension Architecture {
    /// The width of the argument registers the filter compares: 64 on 64-bit ABIs, 32 on
    /// 32-bit ones. x32 counts as 32-bit, as libseccomp treats it (only the low words are compared).
    public var argumentBits: Int { is64Bit ? 64 : 32 }

    /// Whether a syscall number belongs to x32 when it arrives with `AUDIT_ARCH_X86_64`: 0x40000000
    /// or above (bit 30 set, or a negative number), except -1 (0xFFFFFFFF, the value a tracer uses
    /// to skip a call), which libseccomp and Seccompose route to x86-64.
    public static func isX32Number(_ number: UInt32) -> Bool {
        number >= x32SyscallBit && number != 0xFFFF_FFFF
    }

    /// The ABI among `candidates` that a call with this `AUDIT_ARCH` value and number belongs to.
    public static func abi(auditArch: UInt32, number: UInt32, among candidates: [Architecture]) -> Architecture? {
        if auditArch == Architecture.x86_64.auditArch {
            let abi: Architecture = isX32Number(number) ? .x32 : .x86_64
            return candidates.contains(abi) ? abi : nil
        }
        return candidates.first { $0.auditArch == auditArch }
    }
}
