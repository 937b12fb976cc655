// FilterStack.swift: one side of a diff, as the kernel would judge it: a stack of programs.

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls

/// The filters one side of a comparison consists of, judged as the kernel judges a process's
/// stack: every program runs and the most restrictive action wins (on a tie, the newest).
public struct FilterStack: Sendable {
    /// What the side is called in messages (the operand as given).
    public var label: String
    /// The programs in installation order, oldest first.
    public var programs: [Program]
    /// The programs that judge big-endian ABIs' calls, when they differ from `programs` (a
    /// policy over ABIs of both byte orders compiles to one program per order).
    public var bigEndianPrograms: [Program]?

    /// A side consisting of `programs` (installation order, oldest first), for every ABI.
    public init(label: String, programs: [Program]) {
        self.label = label
        self.programs = programs
    }

    /// A side consisting of the program `policy` compiles to (one per byte order when it judges
    /// ABIs of both; the compiler's self-check guarantees each decides as the policy does).
    ///
    /// - Throws: `DiffError` when the compiler refuses the policy.
    public init(label: String, policy: Policy) throws(DiffError) {
        self.label = label
        let little = policy.architectures.filter(\.isLittleEndian), big = policy.architectures.filter { !$0.isLittleEndian }
        if little.isEmpty || big.isEmpty {
            programs = [try Self.compile(policy, label: label)]
        } else {
            var l = policy, b = policy
            l.architectures = little
            b.architectures = big
            programs = [try Self.compile(l, label: label)]
            bigEndianPrograms = [try Self.compile(b, label: label)]
        }
    }

    private static func compile(_ policy: Policy, label: String) throws(DiffError) -> Program {
        do {
            return try Compiler.compiled(policy).program
        } catch {
            throw DiffError("\(label): \(error.message)", fix: error.fix)
        }
    }

    /// The programs that judge calls of an ABI of this byte order.
    public func programs(littleEndian: Bool) -> [Program] {
        littleEndian ? programs : bigEndianPrograms ?? programs
    }

    /// The stack's action for one call (`Simulator.runStack`).
    func action(_ data: SeccompData) throws(DiffError) -> Action {
        let stack = programs(littleEndian: data.littleEndian)
        // No filter lets every call through, as the kernel does.
        guard !stack.isEmpty else { return .allow }
        do {
            return try Simulator.runStack(stack.map(\.instructions), data).action
        } catch {
            throw DiffError("\(label): \(error.description)", fix: "the program is not one the kernel accepts; verify it first")
        }
    }
}
