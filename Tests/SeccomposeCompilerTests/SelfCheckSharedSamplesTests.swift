// The self-check runs the argument samples of a decision once per place in the program
// (`SelfCheck.PassedSamples`): x32 and i386 calls reaching one shared argument sub-program with
// the same decision are sampled once. These tests hold the two conditions that make skipping
// sound: the decision must decide alike (a different decision at a shared place is still
// sampled), and the samples that passed must have read nothing but arguments after the first
// argument load (code that reads the number there is sampled again for the other call).

@testable import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import Testing

@Suite("compiler self-check: argument samples shared between calls")
struct SelfCheckSharedSamplesTests {
    /// i386 and x32 (both 32-bit arguments, little-endian), `personality(5)` allowed, any other
    /// call refused with EPERM.
    static func policy(x32Value: UInt64? = nil) throws -> Policy {
        var p = Policy(.errno(1), architectures: [.x86, .x32])
        try p.addRule(.allow, syscall: "personality", [ArgumentCondition(index: 0, .equal, 5)])
        if let v = x32Value {
            var x32 = p.syscalls
            x32["personality"] = SyscallDecision(action: .errno(1), rules: [Rule([ArgumentCondition(index: 0, .equal, v)], action: .allow)])
            p.abiSyscalls[.x32] = x32
        }
        return p
    }

    static func personality(_ abi: Architecture) throws -> UInt32 {
        UInt32(try #require(SyscallTable.number(of: "personality", on: abi)))
    }

    /// Where a call stops before its first argument load.
    static func place(_ program: [BPFInstruction], _ abi: Architecture) throws -> Int {
        var state = Simulator.State()
        let data = SeccompData(abi: abi, number: Int(try personality(abi)))
        let stopped = try Simulator.runToFirstArgument(program, data, &state)
        #expect(stopped == nil)
        return state.pc
    }

    @Test("the compiler shares i386's and x32's argument code; a different x32 decision there is still sampled")
    func differentDecisionAtSharedPlace() throws {
        let program = try Compiler.compile(try Self.policy()).instructions
        // The premise: one sub-program for both calls (else nothing is shared to skip).
        let shared = (try Self.place(program, .x86), try Self.place(program, .x32))
        #expect(shared.0 == shared.1)
        #expect(SelfCheck.firstDifference(program, try Self.policy()) == nil)
        // The same program against a policy whose x32 personality wants 6, not 5: only an
        // argument sample shows it (with zero arguments both refuse).
        let d = try #require(SelfCheck.firstDifference(program, try Self.policy(x32Value: 6)))
        let x32 = try Self.personality(.x32)
        #expect(d.abi == .x32 && d.number == x32, "\(d)")
        #expect(d.arguments.first == 5 || d.arguments.first == 6, "\(d)")
    }

    /// A hand-made program: i386's and x32's personality calls share one argument test, after
    /// which the number is read again and only i386's is allowed (`fixed`: both are).
    static func program(fixed: Bool) throws -> [BPFInstruction] {
        let x86 = try personality(.x86), x32 = try personality(.x32)
        let policy = try policy()
        let errno = Action.errno(1).returnValue
        func ld(_ k: UInt32) -> BPFInstruction { BPFInstruction(code: BPF.ld | BPF.w | BPF.abs, k: k) }
        func jeq(_ k: UInt32, _ jt: UInt8, _ jf: UInt8) -> BPFInstruction { BPFInstruction(code: BPF.jmp | BPF.jeq | BPF.k, jt: jt, jf: jf, k: k) }
        func ret(_ k: UInt32) -> BPFInstruction { BPFInstruction(code: BPF.ret | BPF.k, k: k) }
        return [
            ld(4),                                                    // 0
            jeq(Architecture.x86.auditArch, 1, 0),                    // 1: → 3
            jeq(Architecture.x86_64.auditArch, 3, 14),                // 2: → 6, else → 17
            ld(0),                                                    // 3
            jeq(x86, 6, 0),                                           // 4: → 11
            ret(errno),                                               // 5
            ld(0),                                                    // 6
            jeq(0xFFFF_FFFF, 9, 0),                                   // 7: -1 is x86-64's → 17
            BPFInstruction(code: BPF.jmp | BPF.jge | BPF.k, jt: 0, jf: 8, k: Architecture.x32SyscallBit),  // 8: else → 17
            jeq(x32, 1, 0),                                           // 9: → 11
            ret(errno),                                               // 10
            ld(16),                                                   // 11: the shared argument test
            jeq(5, 0, 3),                                             // 12: else → 16
            ld(0),                                                    // 13: the number again
            jeq(x86, 0, fixed ? 0 : 1),                               // 14: x32 → 16 (fixed: → 15)
            ret(Action.allow.returnValue),                            // 15
            ret(errno),                                               // 16
            ret(policy.otherArchitectureAction.returnValue),          // 17
        ]
    }

    @Test("samples that read the number after the argument load are run again for the other call")
    func numberReadAfterArgumentLoad() throws {
        let policy = try Self.policy()
        let fixed = try Self.program(fixed: true)
        try Verifier.verify(fixed)
        let places = (try Self.place(fixed, .x86), try Self.place(fixed, .x32))
        #expect(places.0 == 11 && places.1 == 11)
        #expect(SelfCheck.firstDifference(fixed, policy) == nil)
        // i386 is sampled first and passes; x32 reaches the same place with the same decision,
        // but what the code does there depends on the number.
        let d = try #require(SelfCheck.firstDifference(try Self.program(fixed: false), policy))
        let x32 = try Self.personality(.x32)
        #expect(d.abi == .x32 && d.number == x32 && d.arguments.first == 5, "\(d)")
        #expect(d.expected == .allow && d.actual == .errno(1), "\(d)")
    }
}
