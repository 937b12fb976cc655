// Program.swift: a compiled program, its byte order, and its raw `struct sock_filter` form.

/// The byte order of a target kernel: how it reads `struct sock_filter`'s fields.
public enum ByteOrder: String, Sendable, Hashable, Codable {
    /// Least significant byte first (x86-64, x32, i386, arm, aarch64, riscv64, ppc64le, …).
    case littleEndian = "little-endian"
    /// Most significant byte first (s390x, s390, ppc64, ppc, mips, mips64, parisc, m68k, sheb, …).
    case bigEndian = "big-endian"
}

/// A compiled seccomp program with what the compiler knows about it.
public struct Program: Sendable, Hashable {
    public var instructions: [BPFInstruction]
    /// The byte order of the kernels the program is for (its ABIs'): raw exports use it.
    public var byteOrder: ByteOrder

    /// A program of `instructions` for kernels of `byteOrder` (little-endian unless told).
    public init(_ instructions: [BPFInstruction], byteOrder: ByteOrder = .littleEndian) {
        self.instructions = instructions
        self.byteOrder = byteOrder
    }

    /// The `struct sock_filter` array as the target kernel reads it: `u16 code, u8 jt, u8 jf,
    /// u32 k`, each in the program's byte order (what libseccomp's `seccomp_export_bpf` writes).
    public var rawBytes: [UInt8] {
        let big = byteOrder == .bigEndian
        // Written in place, each field's bytes by shifts (appending the bytes of each field
        // through `withUnsafeBytes` and an array literal cost about 100 instructions a byte).
        return [UInt8](unsafeUninitializedCapacity: instructions.count * 8) { buffer, written in
            var o = 0
            for i in instructions {
                let low = UInt8(truncatingIfNeeded: i.code), high = UInt8(truncatingIfNeeded: i.code >> 8)
                buffer[o] = big ? high : low
                buffer[o + 1] = big ? low : high
                buffer[o + 2] = i.jt
                buffer[o + 3] = i.jf
                for n in 0..<4 {
                    buffer[o + 4 + n] = UInt8(truncatingIfNeeded: i.k >> UInt32(8 * (big ? 3 - n : n)))
                }
                o += 8
            }
            written = o
        }
    }

    /// Reads a raw `struct sock_filter` array (little-endian unless `bigEndian`: libseccomp
    /// exports a big-endian ABI's filter in that byte order); nil when the size is not a multiple of 8.
    public init?(rawBytes bytes: [UInt8], bigEndian: Bool = false) {
        guard bytes.count % 8 == 0 else { return nil }
        var ins: [BPFInstruction] = []
        ins.reserveCapacity(bytes.count / 8)
        var i = 0
        while i < bytes.count {
            func u16(_ o: Int) -> UInt16 {
                bigEndian ? UInt16(bytes[o]) << 8 | UInt16(bytes[o + 1]) : UInt16(bytes[o]) | UInt16(bytes[o + 1]) << 8
            }
            func u32(_ o: Int) -> UInt32 {
                let w0 = UInt32(bytes[o]), w1 = UInt32(bytes[o + 1]), w2 = UInt32(bytes[o + 2]), w3 = UInt32(bytes[o + 3])
                return bigEndian ? w0 << 24 | w1 << 16 | w2 << 8 | w3 : w0 | w1 << 8 | w2 << 16 | w3 << 24
            }
            let code = u16(i)
            let k = u32(i + 4)
            ins.append(BPFInstruction(code: code, jt: bytes[i + 2], jf: bytes[i + 3], k: k))
            i += 8
        }
        instructions = ins
        byteOrder = bigEndian ? .bigEndian : .littleEndian
    }
}
