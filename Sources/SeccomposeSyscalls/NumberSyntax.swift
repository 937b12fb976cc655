// NumberSyntax.swift: the one parser for the numbers a user types for syscalls and their
// arguments (resolve, simulate, explain): decimal, 0x hexadecimal, negative as two's complement.

/// Syscall numbers and argument values as typed on the command line.
public enum NumberSyntax {
    /// A 64-bit value: decimal (`4096`), hexadecimal with `0x`/`0X` (`0x1000`), or a negative
    /// decimal or hexadecimal as its 64-bit two's complement (`-1` is `0xffffffffffffffff`).
    /// Nil for anything else (empty, junk, a `+` sign, or a value outside 64 bits).
    public static func value(_ text: String) -> UInt64? {
        let negative = text.hasPrefix("-")
        let body = negative ? text.dropFirst() : Substring(text)
        let magnitude: UInt64?
        if body.hasPrefix("0x") || body.hasPrefix("0X") {
            let digits = body.dropFirst(2)
            magnitude = digits.isEmpty || digits.hasPrefix("+") || digits.hasPrefix("-") ? nil : UInt64(digits, radix: 16)
        } else {
            magnitude = body.isEmpty || body.hasPrefix("+") || body.hasPrefix("-") ? nil : UInt64(body, radix: 10)
        }
        guard let m = magnitude else { return nil }
        guard negative else { return m }
        guard m <= UInt64(Int64.max) + 1 else { return nil }
        return 0 &- m
    }

    /// A syscall number as the kernel's `int nr` holds it: `value(_:)` within 32 bits, a value
    /// of 2^31 or more read as its negative bit pattern (`0xffffffff` is -1).
    public static func syscallNumber(_ text: String) -> Int? {
        guard let v = value(text) else { return nil }
        let signed = Int64(bitPattern: v)
        if signed >= Int64(Int32.min) && signed <= Int64(UInt32.max) { return Int(Int32(truncatingIfNeeded: signed)) }
        return nil
    }

    /// The name `text` resolves to on `abi` when it is a number, and the number as the table has
    /// it: on x32 a number without the x32 bit (0x40000000) is also looked up with it, as
    /// `scmp_sys_resolver -a x32 0` finds read.
    public static func syscall(_ text: String, on abi: Architecture) -> (name: String?, number: Int)? {
        guard let n = syscallNumber(text) else { return nil }
        if let name = SyscallTable.name(of: n, on: abi) { return (name, n) }
        if abi == .x32, n >= 0, n & 0x4000_0000 == 0, let name = SyscallTable.name(of: n | 0x4000_0000, on: abi) {
            return (name, n | 0x4000_0000)
        }
        return (nil, n)
    }
}
