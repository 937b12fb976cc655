// Our one program against the stack of filters the real systemd 252 installed (read back by ptrace).

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import SeccomposeSystemd
import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation

@Suite("systemd 252 mode: one program decides like systemd's stack of filters")
struct SystemdOracleTests {
    static let root = Systemd252OracleFixtures.directory
    static let cases = Systemd252OracleFixtures.cases

    static func stack(_ name: String) throws -> [[BPFInstruction]] {
        var out: [[BPFInstruction]] = []
        for i in 0..<8 {
            let path = "\(root)/\(name)/filter-0\(i).bpf"
            guard let bytes = try? readBytes(path) else { break }
            let p = try #require(Program(rawBytes: bytes), "\(path) is not a whole number of instructions")
            out.append(p.instructions)
        }
        return out
    }

    @Test("every x86-64, x32 and i386 number 0…600 (and x32-range, negative, -1): same action", arguments: cases)
    func sameDecisions(name: String) throws {
        let filters = try Self.stack(name)
        #expect(!filters.isEmpty)
        let fragment = try TextFile.read("\(Self.root)/\(name)/fragment.txt")
        let program = try Compiler.compile(try systemdPolicy(fragment), options: CompileOptions(argumentWidths: .systemd)).instructions
        try Verifier.verify(program)
        var compared = 0
        for abi in [Architecture.x86_64, .x32, .x86] {
            var numbers = Array(0...600).map { $0 + abi.syscallBase }
            numbers += [0x3FFF_FFFF, 0x4000_0000 + 1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]
            for nr in numbers {
                let data = SeccompData(abi: abi, number: nr)
                let systemd = try Simulator.runStack(filters, data).action
                let ours = try Simulator.run(program, data).action
                #expect(ours == systemd, "\(name): \(abi) nr \(nr) (\(SyscallTable.name(of: nr, on: abi) ?? "-")): ours \(ours), systemd \(systemd)")
                compared += 1
            }
        }
        #expect(compared == 3 * 607)
    }

    @Test("the stack simulation agrees with the fixture's own x86-64 table", arguments: cases)
    func simulatorAgreesWithFixture(name: String) throws {
        let filters = try Self.stack(name)
        let table = try TextFile.read("\(Self.root)/\(name)/table-x86_64.txt")
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 4, let nr = Int(f[0]), f[3].hasPrefix("insns="), let insns = Int(f[3].dropFirst(6)) else { continue }
            let r = try Simulator.runStack(filters, SeccompData(abi: .x86_64, number: nr))
            #expect(String(describing: r.action).uppercased().replacingOccurrences(of: "-", with: "_")
                .hasPrefix(String(f[2].prefix(5))), "\(name) nr \(nr)")
            #expect(r.instructionsExecuted == insns, "\(name) nr \(nr): \(r.instructionsExecuted) vs \(insns)")
        }
    }
}

func readBytes(_ path: String) throws -> [UInt8] {
    struct Missing: Error {}
    guard let f = fopen(path, "rb") else { throw Missing() }
    defer { fclose(f) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        out += buf[0..<n]
        if n < buf.count { break }
    }
    return out
}
