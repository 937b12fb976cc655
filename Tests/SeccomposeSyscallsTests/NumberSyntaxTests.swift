// NumberSyntaxTests.swift: the one parser for typed syscall numbers and argument values.

import Testing

@testable import SeccomposeSyscalls

@Suite("NumberSyntax: decimal, 0x hex, negative as two's complement")
struct NumberSyntaxTests {
    @Test("values", arguments: [
        ("0", UInt64(0)), ("4096", 4096), ("0x1000", 4096), ("0X1F", 31), ("0xffffffffffffffff", UInt64.max),
        ("18446744073709551615", UInt64.max), ("-1", UInt64.max), ("-0x1", UInt64.max), ("-2", UInt64.max - 1),
        ("-9223372036854775808", 1 << 63), ("00017", 17),
    ])
    func value(text: String, expected: UInt64) {
        #expect(NumberSyntax.value(text) == expected, "\(text)")
    }

    @Test("not numbers", arguments: [
        "", "-", "0x", "-0x", "+1", "1a", "0x1g", "18446744073709551616", "-9223372036854775809", "--1", "0x-1", "0x+1",
        " 1", "1 ", "1.5", "0b101",
    ])
    func rejected(text: String) {
        #expect(NumberSyntax.value(text) == nil, "\(text)")
    }

    @Test("syscall numbers are the kernel's int nr", arguments: [
        ("0", 0), ("-1", -1), ("0xffffffff", -1), ("0x40000000", 0x4000_0000), ("2147483648", Int(Int32.min)),
    ])
    func syscallNumber(text: String, expected: Int) {
        #expect(NumberSyntax.syscallNumber(text) == expected, "\(text)")
    }

    @Test("outside 32 bits is no syscall number")
    func syscallNumberRange() {
        #expect(NumberSyntax.syscallNumber("0x100000000") == nil)
        #expect(NumberSyntax.syscallNumber("-2147483649") == nil)
    }

    @Test("x32 numbers with or without the x32 bit")
    func x32() {
        #expect(NumberSyntax.syscall("0", on: .x32)?.name == "read")
        #expect(NumberSyntax.syscall("0", on: .x32)?.number == 0x4000_0000)
        #expect(NumberSyntax.syscall("0x40000000", on: .x32)?.name == "read")
        #expect(NumberSyntax.syscall("1073741824", on: .x32)?.name == "read")
        #expect(NumberSyntax.syscall("0", on: .x86_64)?.name == "read")
        #expect(NumberSyntax.syscall("0x40000000", on: .x86_64)?.name == nil)
        #expect(NumberSyntax.syscall("read", on: .x32) == nil)
    }
}
