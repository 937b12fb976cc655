// DirectiveTables.swift: the name tables and value parsers the seccomp-backed exec directives use
// (reference: systemd-argument-directives.md §2.1, §2.2, §2.4).

import SeccomposeSets
import SeccomposeSyscalls

/// Linux address families by the names systemd's `af_from_name()` accepts.
public enum AddressFamily {
    /// Every `AF_*` macro of glibc's `<sys/socket.h>` except `AF_UNSPEC` and `AF_MAX`, with its
    /// number; `AF_LOCAL`/`AF_FILE` are aliases of `AF_UNIX`, `AF_ROUTE` of `AF_NETLINK`.
    public static let table: [(name: String, number: Int)] = [
        ("AF_UNIX", 1), ("AF_LOCAL", 1), ("AF_FILE", 1), ("AF_INET", 2), ("AF_AX25", 3), ("AF_IPX", 4),
        ("AF_APPLETALK", 5), ("AF_NETROM", 6), ("AF_BRIDGE", 7), ("AF_ATMPVC", 8), ("AF_X25", 9), ("AF_INET6", 10),
        ("AF_ROSE", 11), ("AF_DECnet", 12), ("AF_NETBEUI", 13), ("AF_SECURITY", 14), ("AF_KEY", 15),
        ("AF_NETLINK", 16), ("AF_ROUTE", 16), ("AF_PACKET", 17), ("AF_ASH", 18), ("AF_ECONET", 19),
        ("AF_ATMSVC", 20), ("AF_RDS", 21), ("AF_SNA", 22), ("AF_IRDA", 23), ("AF_PPPOX", 24), ("AF_WANPIPE", 25),
        ("AF_LLC", 26), ("AF_IB", 27), ("AF_MPLS", 28), ("AF_CAN", 29), ("AF_TIPC", 30), ("AF_BLUETOOTH", 31),
        ("AF_IUCV", 32), ("AF_RXRPC", 33), ("AF_ISDN", 34), ("AF_PHONET", 35), ("AF_IEEE802154", 36),
        ("AF_CAIF", 37), ("AF_ALG", 38), ("AF_NFC", 39), ("AF_VSOCK", 40), ("AF_KCM", 41), ("AF_QIPCRTR", 42),
        ("AF_SMC", 43), ("AF_XDP", 44), ("AF_MCTP", 45),
    ]

    /// systemd's `af_max()`: one more than the largest family number it knows (46 in the 252.39
    /// and 262.1 builds).
    public static let max = 46

    private static let byLowercasedName: [String: Int] = {
        var m: [String: Int] = [:]
        for (name, number) in table { m[name.lowercased()] = number }
        return m
    }()

    /// The family number for a name, compared without regard to case (systemd's table is built
    /// with `gperf --ignore-case`); numbers are not accepted.
    public static func number(named name: String) -> Int? { byLowercasedName[name.lowercased()] }

    /// The canonical name of a family number (the first name in `table`).
    public static func name(of number: Int) -> String? { table.first { $0.number == number }?.name }
}

/// The namespace types of RestrictNamespaces= (`namespace_info` in systemd's namespace-util.c).
public enum NamespaceType: String, CaseIterable, Sendable, Hashable, Codable {
    /// The types by the names RestrictNamespaces= takes (case-sensitive), in systemd's table order.
    case cgroup, ipc, net, mnt, pid, user, uts, time

    /// The `CLONE_NEW*` flag.
    public var flag: UInt64 {
        switch self {
        case .cgroup: return 0x0200_0000
        case .ipc: return 0x0800_0000
        case .net: return 0x4000_0000
        case .mnt: return 0x0002_0000
        case .pid: return 0x2000_0000
        case .user: return 0x1000_0000
        case .uts: return 0x0400_0000
        case .time: return 0x0000_0080
        }
    }

    /// Every flag of the table, time included.
    public static let tableFlags: UInt64 = allCases.reduce(0) { $0 | $1.flag }

    /// The "all namespaces" mask (`NAMESPACE_FLAGS_ALL`): without time up to systemd 257, with
    /// time in 262.
    public static func allFlags(_ version: SystemdVersion) -> UInt64 {
        version >= .v262 ? tableFlags : tableFlags & ~NamespaceType.time.flag
    }

    /// The names of the flags set in `flags`, in table order.
    public static func names(_ flags: UInt64) -> [String] {
        allCases.filter { flags & $0.flag == $0.flag }.map(\.rawValue)
    }
}

/// systemd's `parse_boolean()`.
enum BooleanParsing {
    static func parse(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "1", "yes", "y", "true", "t", "on": return true
        case "0", "no", "n", "false", "f", "off": return false
        default: return nil
        }
    }
}

/// Personality= values (`personality_from_string`).
public enum Personality {
    /// `PER_LINUX`.
    public static let linux: UInt64 = 0
    /// `PER_LINUX32`.
    public static let linux32: UInt64 = 8

    /// The architecture name that gives `PER_LINUX32` on a systemd built for `native`, if any.
    static func secondaryName(_ native: Architecture) -> String? {
        switch native {
        case .x86_64: return "x86"
        case .aarch64: return "arm"
        case .ppc64: return "ppc"
        case .ppc64le: return "ppc-le"
        case .s390x: return "s390"
        default: return nil
        }
    }

    /// The personality a Personality= value selects on a systemd built for `native`: the native
    /// architecture's name gives `PER_LINUX`, its secondary architecture's `PER_LINUX32`.
    public static func value(of name: String, native: Architecture) -> UInt64? {
        if name == (native == .x32 ? "x86-64" : native.systemdName) { return linux }
        if name == secondaryName(native) { return linux32 }
        return nil
    }

    /// `opinionated_personality()`: `PER_LINUX32` when the low 16 bits of `current` are
    /// `PER_LINUX32`, else `PER_LINUX` (flag bits dropped).
    public static func opinionated(_ current: UInt64) -> UInt64 {
        current & 0xFFFF == linux32 ? linux32 : linux
    }
}

/// systemd's `hostname_is_valid()` without flags: 1…64 bytes of dot-separated labels of
/// letters, digits and '-', no empty label.
enum Hostname {
    static func isValid(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return false }
        var labelLength = 0
        for b in bytes {
            if b == UInt8(ascii: ".") {
                guard labelLength > 0 else { return false }
                labelLength = 0
                continue
            }
            let ok = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "-")
            guard ok else { return false }
            labelLength += 1
        }
        return labelLength > 0
    }
}
