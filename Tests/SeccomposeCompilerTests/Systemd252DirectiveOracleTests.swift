// The directive filters of the real systemd 252 (its own code, libsystemd-shared-252.so, in a
// child process) against Seccompose's policy for the same unit lines, on the real kernel.

import Foundation
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite("systemd 252's own directive filters versus Seccompose (live)", .serialized)
struct Systemd252DirectiveOracleTests {
    static let library = "/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-252.so"

    /// Builds the oracle with the C compiler, linked against systemd's shared library.
    static func oracle(in dir: URL) throws -> String {
        let cc = try Support.requireTool("cc", package: "gcc")
        try #require(FileManager.default.fileExists(atPath: library), "\(library) is missing (Debian package libsystemd-shared)")
        let out = dir.appendingPathComponent("oracle").path
        let r = try Support.run(cc, ["-O1", "-o", out, repositoryRoot + "/Tests/Oracles/systemd252-directives.c", library,
            "-Wl,-rpath," + (library as NSString).deletingLastPathComponent])
        try #require(r.status == 0, "cannot build the oracle:\n\(r)")
        return out
    }

    static let values: [UInt64] = [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 0x10, 0x11, 0x16, 0x2e, 0x40, 0x41, 0x80, 0x400, 0x800, 0xc00, 0x8000, 0x8006,
        0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000, 0x40000003, 0x7E020000,
        0x7E0200FF, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1 << 32, 1 << 32 | 1, 1 << 32 | 2, 1 << 32 | 3, 1 << 32 | 6,
        1 << 32 | 0x11, 1 << 32 | 0x4000_0000, 1 << 32 | 0x800, 0xFFFF_FFFF_0000_0000, .max, .max - 1,
    ]

    static let atFDCWD = UInt64(bitPattern: -100)

    /// The probe arguments for a syscall and a value under test (the other arguments make the
    /// kernel fail with an errno the directives never use, when the filter lets the call through).
    static func arguments(_ name: String, _ v: UInt64) -> [UInt64] {
        switch name {
        case "setns": return [.max, v]
        case "unshare": return [v | 0x4000]
        case "socket": return [v, 0xFFFF, 0]
        case "mmap", "mmap2", "pkey_mprotect": return [1, 0, v, 0]
        case "mprotect": return [1, 0, v]
        case "shmat": return [.max, 0, v]
        case "sched_setscheduler": return [.max, v, 0]
        case "personality": return [v]
        case "chmod": return [0, v]
        case "fchmodat", "mkdirat": return [atFDCWD, 0, v]
        case "fchmodat2": return [atFDCWD, 0, v, 0]
        case "open": return [0, v, v]
        case "openat": return [atFDCWD, 0, v, v]
        default: return [0, 88]
        }
    }

    /// (unit lines, the oracle's setup, the syscalls to probe)
    static let setups: [(String, String, [String])] = [
        ("RestrictNamespaces=~user net", "ns=\(0x7E02_0000 & ~0x5000_0000)", ["setns", "unshare", "clone3"]),
        ("RestrictNamespaces=net", "ns=\(0x4000_0000)", ["setns", "unshare"]),
        ("RestrictNamespaces=time", "ns=\(0x80)", ["setns", "unshare"]),
        ("RestrictNamespaces=yes", "ns=0", ["setns", "unshare"]),
        ("RestrictNamespaces=ipc mnt uts", "ns=\(0x0800_0000 | 0x20000 | 0x0400_0000)", ["setns", "unshare"]),
        ("RestrictAddressFamilies=~AF_PACKET AF_NETLINK", "rafd=16,17", ["socket"]),
        ("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "rafa=1,2,10", ["socket"]),
        ("RestrictAddressFamilies=AF_PACKET", "rafa=17", ["socket"]),
        ("RestrictAddressFamilies=none", "rafa=", ["socket"]),
        ("MemoryDenyWriteExecute=yes", "mdwe", ["mmap", "mmap2", "mprotect", "pkey_mprotect", "shmat"]),
        ("RestrictRealtime=yes", "rt", ["sched_setscheduler"]),
        ("LockPersonality=yes", "lp=0", ["personality"]),
        ("Personality=x86\nLockPersonality=yes", "lp=8", ["personality"]),
        ("RestrictSUIDSGID=yes", "suid", ["chmod", "fchmodat", "fchmodat2", "open", "openat", "mkdirat"]),
    ]

    @Test("every directive, x86-64/x32/i386, flags alone and combined, upper-half bits, sign-extended values")
    func differential() throws {
        try Support.withTemporaryDirectory { dir in
            let oracle = try Self.oracle(in: dir)
            let context = try SystemdContext(version: .v252, native: .x86_64, argumentWidths: .systemd)
            var compared = 0
            for (lines, setup, names) in Self.setups {
                var settings = SystemCallSettings(context: context)
                var directives = ExecDirectives(context: context)
                for a in UnitSettingsReader.assignments(of: "[Service]\n" + lines, file: "u").0 {
                    #expect(directives.apply(a).isEmpty, "\(lines)")
                    _ = settings.apply(a)
                }
                let policy = try SystemdPolicyBuilder.build(settings, directives: directives).policy
                var probes: [(Architecture, Int, [UInt64])] = []
                for abi in [Architecture.x86_64, .x32, .x86] {
                    for name in names {
                        guard let nr = SyscallTable.number(of: name, on: abi) else { continue }
                        for v in name == "clone3" ? [0] : Self.values {
                            var args = Self.arguments(name, v)
                            if abi == .x86 { args = args.map { $0 & 0xFFFF_FFFF } }
                            probes.append((abi, nr, args))
                        }
                    }
                }
                let argv = [setup] + probes.map { abi, nr, args in
                    let tag = abi == .x86 ? "32" : abi == .x32 ? "x32" : "64"
                    let base = abi == .x32 ? nr - 0x4000_0000 : nr
                    return "\(tag):\(base)" + args.map { ":\(Int64(bitPattern: $0))" }.joined()
                }
                let r = try Support.run(oracle, argv, timeout: 60)
                let lines = r.stdoutLines.filter { $0.contains(" -> ") && !$0.hasPrefix("setup") }
                // systemd's setup functions return 0 or a non-negative count on success.
                let setupResult = r.stdoutLines.first.flatMap { $0.hasPrefix("setup \(setup) -> ") ? Int($0.split(separator: " ").last ?? "") : nil }
                try #require((setupResult ?? -1) >= 0 && lines.count == probes.count, "oracle failed:\n\(r)")
                // The compatibility switch: the program compiled with --argument-widths systemd.
                let program = try Compiler.compile(policy, options: CompileOptions(argumentWidths: .systemd)).instructions
                for ((abi, nr, args), line) in zip(probes, lines) {
                    let result = String(line.split(separator: ">").last ?? "").trimmingCharacters(in: .whitespaces)
                    let ours = policy.action(abi: abi, number: nr, arguments: args)
                    let compiled = try Simulator.run(program, SeccompData(abi: abi, number: nr, args: args)).action
                    #expect(compiled == ours, "\(lines) \(abi) nr \(nr) args \(args): program \(compiled), policy \(ours)")
                    compared += 1
                    switch ours {
                    case .errno(let e):
                        #expect(result == "errno \(e)", "\(lines) \(abi) nr \(nr) args \(args): systemd \(result), ours \(ours)")
                    case .allow:
                        // Let through: the kernel's own errno, never the directive's EPERM/EAFNOSUPPORT.
                        #expect(result != "errno 1" && result != "errno 97",
                            "\(lines) \(abi) nr \(nr) args \(args): systemd \(result), ours allow")
                    default:
                        Issue.record("unexpected action \(ours) for \(lines)")
                    }
                }
            }
            print("systemd 252 directive oracle: \(compared) probes compared")
            #expect(compared > 3000)
        }
    }
}
