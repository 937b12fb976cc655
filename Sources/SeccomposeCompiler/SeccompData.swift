// SeccompData.swift: the input a seccomp filter sees.

import SeccomposeSyscalls

/// The input a seccomp filter sees (`struct seccomp_data`).
public struct SeccompData: Sendable, Hashable {
    public var nr: UInt32
    public var arch: UInt32
    public var instructionPointer: UInt64
    public var args: [UInt64]
    /// Whether the words are laid out little-endian (the running kernel's order).
    public var littleEndian: Bool

    public init(nr: UInt32, arch: UInt32, instructionPointer: UInt64 = 0, args: [UInt64] = [], littleEndian: Bool = true) {
        self.nr = nr
        self.arch = arch
        self.instructionPointer = instructionPointer
        self.args = args + Array(repeating: 0, count: max(0, 6 - args.count))
        self.littleEndian = littleEndian
    }

    /// A call through `abi` with syscall `number` (base included) and arguments.
    public init(abi: Architecture, number: Int, args: [UInt64] = [], instructionPointer: UInt64 = 0) {
        self.init(nr: UInt32(truncatingIfNeeded: number), arch: abi.auditArch, instructionPointer: instructionPointer,
            args: args, littleEndian: abi.isLittleEndian)
    }

    /// The 32-bit word at `offset` (4-aligned, < 64), as `BPF_LD|BPF_W|BPF_ABS` reads it.
    func word(at offset: UInt32) -> UInt32? {
        guard offset % 4 == 0, offset < 64 else { return nil }
        switch offset {
        case 0: return nr
        case 4: return arch
        case 8, 12:
            return half(instructionPointer, second: offset == 12)
        default:
            let i = Int(offset - 16) / 8
            return half(args[i], second: (offset - 16) % 8 == 4)
        }
    }

    private func half(_ v: UInt64, second: Bool) -> UInt32 {
        let low = UInt32(truncatingIfNeeded: v), high = UInt32(truncatingIfNeeded: v >> 32)
        return littleEndian ? (second ? high : low) : (second ? low : high)
    }
}
