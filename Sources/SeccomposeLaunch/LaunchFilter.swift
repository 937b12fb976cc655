// LaunchFilter.swift: what a launch installs: a program compiled from a request (with the
// policy that names the setting behind every decision), or a precompiled raw program read from
// a file (no policy: reports name the syscall, its ABI and number, and the file).

import SeccomposeCompiler
import SeccomposeInput
import SeccomposePolicy
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif

/// The filter a launch installs in every filtered command.
public enum LaunchFilter: Sendable {
    /// A program compiled from a `FilterRequest`: reports give the setting that decided each call.
    case compiled(FilterRequest.Compiled)
    /// A precompiled program (`compile --format raw`), already verified; `file` is where it was
    /// read from, when it came from a file. No policy: reports name the syscall only.
    case precompiled(Program, file: String?)

    /// The program to install.
    public var program: Program {
        switch self {
        case .compiled(let c): return c.program
        case .precompiled(let p, _): return p
        }
    }

    /// The policy the program implements, when it was compiled here.
    public var policy: Policy? {
        if case .compiled(let c) = self { return c.policy }
        return nil
    }

    /// The file a precompiled program was read from.
    public var file: String? {
        if case .precompiled(_, let file) = self { return file }
        return nil
    }

    /// Whether the launcher must set `PR_SET_MDWE` (see
    /// `FilterRequest.Compiled.needsMemoryDenyWriteExecutePrctl`); never for a precompiled program.
    public var needsMemoryDenyWriteExecutePrctl: Bool {
        if case .compiled(let c) = self { return c.needsMemoryDenyWriteExecutePrctl }
        return false
    }

    /// Reads a raw program (the `struct sock_filter` bytes `seccompose compile --format raw`
    /// writes, little-endian) from `path` and applies the kernel's load-time checks to it.
    ///
    /// - Throws: `LaunchFailure` with status 228 (nothing runs) when the file cannot be read, is
    ///   empty, is not a whole number of 8-byte instructions, is longer than the kernel allows,
    ///   or holds a program the kernel would refuse.
    public static func readProgram(at path: String) throws(LaunchFailure) -> LaunchFilter {
        let fix = "give a program written by 'seccompose compile --format raw -o FILE' (struct sock_filter, little-endian)"
        func refuse(_ message: String, fix: String = fix) -> LaunchFailure {
            LaunchFailure(exitStatus: .seccomp, message: "not running: " + message, fix: fix, file: path)
        }
        let limit = BPF.maximumInstructions * 8
        let tooLong = "the program file is longer than the kernel's \(BPF.maximumInstructions) instructions (\(limit) bytes)"
        let bytes: [UInt8]
        // Reading stops soon after the limit, so a huge file is refused without reading it all.
        do { bytes = try TextFile.readBytes(path, limit: limit) } catch {
            if error.exceededLimit { throw refuse(tooLong) }
            throw refuse("cannot use the program file: \(error.message)", fix: error.fix)
        }
        guard !bytes.isEmpty else { throw refuse("the program file is empty") }
        guard let program = Program(rawBytes: bytes) else {
            throw refuse("\(bytes.count) bytes is not a whole number of 8-byte instructions (a truncated or foreign file)")
        }
        do { try Verifier.verify(program.instructions) } catch {
            throw refuse("the kernel would refuse this program: \(error.description)")
        }
        return .precompiled(program, file: path)
    }

    /// Why the filter took `action` on `number` (with the x32 bit, as the kernel reports it) of
    /// `abi`, in words: the deciding setting for a compiled program, the file for a
    /// precompiled one.
    func reason(abi: Architecture, number: Int) -> String {
        switch self {
        case .compiled(let c):
            return (try? Explanation.explain(policy: c.policy, program: c.program, abi: abi, number: number, arguments: []))?
                .reason ?? ""
        case .precompiled(_, let file):
            return file.map { "decided by the precompiled program \($0)" } ?? ""
        }
    }
}
