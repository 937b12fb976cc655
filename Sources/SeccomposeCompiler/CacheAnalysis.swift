// CacheAnalysis.swift: the kernel's constant-action cache, emulated over a program.

import SeccomposeSyscalls

/// The kernel's constant-action cache (Linux 5.11+, `seccomp_is_const_allow`): a syscall is
/// skipped entirely when the program provably returns exactly ALLOW for it using only the
/// number and the architecture.
public enum CacheAnalysis {
    /// Whether (arch, nr) is cacheable: emulated as the kernel does, giving up on anything but
    /// loads of nr/arch, `RET K`, `JA`, `JEQ/JGE/JGT/JSET K` and `AND K`.
    public static func isConstantAllow(_ p: [BPFInstruction], auditArch: UInt32, nr: UInt32) -> Bool {
        var a: UInt32 = 0
        var pc = 0
        while pc < p.count {
            let i = p[pc]
            switch i.code {
            case BPF.ld | BPF.w | BPF.abs:
                if i.k == BPF.offsetNr {
                    a = nr
                } else if i.k == BPF.offsetArch {
                    a = auditArch
                } else {
                    return false
                }
                pc += 1
            case BPF.ret | BPF.k:
                return i.k == 0x7FFF_0000
            case BPF.jmp | BPF.ja:
                pc += 1 + Int(i.k)
            case BPF.jmp | BPF.jeq | BPF.k, BPF.jmp | BPF.jge | BPF.k, BPF.jmp | BPF.jgt | BPF.k,
                BPF.jmp | BPF.jset | BPF.k:
                let taken: Bool
                switch i.code & 0xF0 {
                case BPF.jeq: taken = a == i.k
                case BPF.jge: taken = a >= i.k
                case BPF.jgt: taken = a > i.k
                default: taken = a & i.k != 0
                }
                pc += 1 + Int(taken ? i.jt : i.jf)
            case BPF.alu | BPF.and | BPF.k:
                a &= i.k
                pc += 1
            default:
                return false
            }
        }
        return false
    }

    /// The syscall numbers of `abi` (those in its table) that the kernel would cache as ALLOW.
    /// x32 numbers are never cached by the kernel (they are outside its bitmap).
    public static func cacheableNumbers(_ p: [BPFInstruction], abi: Architecture) -> [Int] {
        guard abi != .x32 else { return [] }
        return SyscallTable.syscalls(on: abi).map(\.number).filter {
            isConstantAllow(p, auditArch: abi.auditArch, nr: UInt32(truncatingIfNeeded: $0))
        }
    }
}
