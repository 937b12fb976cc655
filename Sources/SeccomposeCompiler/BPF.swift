// BPF.swift: classic BPF instructions as seccomp uses them.

/// One classic-BPF instruction (`struct sock_filter`).
public struct BPFInstruction: Sendable, Hashable, Codable {
    public var code: UInt16
    public var jt: UInt8
    public var jf: UInt8
    public var k: UInt32

    public init(code: UInt16, jt: UInt8 = 0, jf: UInt8 = 0, k: UInt32 = 0) {
        self.code = code
        self.jt = jt
        self.jf = jf
        self.k = k
    }
}

/// Opcode parts and the instruction shapes Seccompose emits.
public enum BPF {
    // Classes.
    public static let ld: UInt16 = 0x00
    public static let ldx: UInt16 = 0x01
    public static let st: UInt16 = 0x02
    public static let stx: UInt16 = 0x03
    public static let alu: UInt16 = 0x04
    public static let jmp: UInt16 = 0x05
    public static let ret: UInt16 = 0x06
    public static let misc: UInt16 = 0x07
    // Sizes and modes.
    public static let w: UInt16 = 0x00
    public static let h: UInt16 = 0x08
    public static let b: UInt16 = 0x10
    public static let imm: UInt16 = 0x00
    public static let abs: UInt16 = 0x20
    public static let ind: UInt16 = 0x40
    public static let mem: UInt16 = 0x60
    public static let len: UInt16 = 0x80
    public static let msh: UInt16 = 0xA0
    // ALU operations.
    public static let add: UInt16 = 0x00
    public static let sub: UInt16 = 0x10
    public static let mul: UInt16 = 0x20
    public static let div: UInt16 = 0x30
    public static let or: UInt16 = 0x40
    public static let and: UInt16 = 0x50
    public static let lsh: UInt16 = 0x60
    public static let rsh: UInt16 = 0x70
    public static let neg: UInt16 = 0x80
    public static let mod: UInt16 = 0x90
    public static let xor: UInt16 = 0xA0
    // Jumps.
    public static let ja: UInt16 = 0x00
    public static let jeq: UInt16 = 0x10
    public static let jgt: UInt16 = 0x20
    public static let jge: UInt16 = 0x30
    public static let jset: UInt16 = 0x40
    // Sources.
    public static let k: UInt16 = 0x00
    public static let x: UInt16 = 0x08
    // Return sources.
    public static let a: UInt16 = 0x10
    // misc
    public static let tax: UInt16 = 0x00
    public static let txa: UInt16 = 0x80

    /// The kernel's limit on one filter's length (`BPF_MAXINSNS`).
    public static let maximumInstructions = 4096

    /// `struct seccomp_data` offsets.
    public static let offsetNr: UInt32 = 0
    public static let offsetArch: UInt32 = 4
    public static let offsetIPLow: UInt32 = 8
    public static func offsetArgument(_ i: Int, highHalf: Bool, littleEndian: Bool) -> UInt32 {
        // The kernel fills seccomp_data.args as u64 in the host's byte order.
        UInt32(16 + 8 * i) + (highHalf == littleEndian ? 4 : 0)
    }

    public static func loadAbsolute(_ offset: UInt32) -> BPFInstruction {
        BPFInstruction(code: ld | w | abs, k: offset)
    }

    public static func returnValue(_ value: UInt32) -> BPFInstruction { BPFInstruction(code: ret | k, k: value) }

    public static func andK(_ value: UInt32) -> BPFInstruction { BPFInstruction(code: alu | and | k, k: value) }

    public static func jump(_ op: UInt16, _ value: UInt32, jt: UInt8, jf: UInt8) -> BPFInstruction {
        BPFInstruction(code: jmp | op | k, jt: jt, jf: jf, k: value)
    }

    public static func jumpAlways(_ offset: UInt32) -> BPFInstruction { BPFInstruction(code: jmp | ja, k: offset) }
}
