// seccompose-scale-bench: the compiler at scale, beside libseccomp in the same process.
//
// The policy of issue 19: a Docker/OCI profile that allows read, write, close and exit_group,
// and ioctl for N request numbers (one `SCMP_CMP_EQ` rule on argument 1 per value), default
// `SCMP_ACT_ERRNO` 1. For each row (N, ABIs) it prints, for Seccompose (profile text → policy →
// verified program, in process) and for libseccomp 2.5.4 (seccomp_init, one
// seccomp_rule_add_array per rule, seccomp_export_bpf, in process): the median time, the
// program's length and its worst executed path (both programs run in Seccompose's simulator on
// every value, its neighbours and the other syscalls). Times are the thread's CPU time (median of
// ITERATIONS), for both sides. Numbers, not a pass/fail test.
//
// usage: seccompose-scale-bench [ITERATIONS]   (default 10 timed builds per row and side)
//        seccompose-scale-bench goals [ITERATIONS] [DOCKER-PROFILE]   (issue 15's goals: Goals.swift)
//        seccompose-scale-bench loop N ITERATIONS [1|3]   (import+compile only, for a profiler)
//        seccompose-scale-bench compile-loop ITERATIONS [DOCKER-PROFILE]   (@system-service's compile
//            only, or the Docker profile's, for a profiler)
//        seccompose-scale-bench first-use   (what a fresh process pays once before its first
//            `run --filter @system-service` compile: run it in a loop of fresh processes)

import CLibseccomp
import Foundation
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposeSets
import SeccomposeSystemd
import SeccomposePolicy
import SeccomposeSyscalls

struct Row {
    var values: Int
    var abis: [Architecture]
}

/// The request numbers: spread like real ioctl numbers (type byte, number byte, size bits).
func requestValues(_ n: Int) -> [UInt32] {
    (0..<n).map { i -> UInt32 in
        let type = UInt32(i % 97) << 16, number = UInt32(i / 97) << 8, size = UInt32((i * 7) & 0xFF)
        return 0x4000_0000 | type | number | size
    }
}

func ociName(_ abi: Architecture) -> String {
    switch abi {
    case .x86: return "SCMP_ARCH_X86"
    case .x32: return "SCMP_ARCH_X32"
    default: return "SCMP_ARCH_X86_64"
    }
}

func profile(_ row: Row) -> String {
    var rules = [#"{"names": ["read", "write", "close", "exit_group"], "action": "SCMP_ACT_ALLOW"}"#]
    for v in requestValues(row.values) {
        rules.append(#"{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "op": "SCMP_CMP_EQ", "value": \#(v)}]}"#)
    }
    let arches = row.abis.map { "\"\(ociName($0))\"" }.joined(separator: ", ")
    return #"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": [\#(arches)], "syscalls": [\#n"#
        + rules.joined(separator: ",\n") + "\n]}\n"
}

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) / 1e15
}

/// Median and fastest of `runs` timed calls of `body`: this thread's CPU time, for both sides
/// (on the shared build machine, wall-clock medians mostly measured the scheduler).
func timed(_ runs: Int, _ body: () throws -> Void) rethrows -> (median: Double, fastest: Double) {
    try Goals.cpuTimed(runs, body)
}

enum BenchError: Error, CustomStringConvertible {
    case libseccomp(String, Int32)
    var description: String {
        switch self {
        case .libseccomp(let what, let rc): return "libseccomp: \(what) failed: \(rc)"
        }
    }
}

/// libseccomp's program for the row, exported to `fd`.
func libseccompBuild(_ row: Row, exportTo fd: Int32) throws {
    guard let ctx = seccomp_init(0x0005_0000 | 1) else { throw BenchError.libseccomp("seccomp_init", -1) }
    defer { seccomp_release(ctx) }
    let native = seccomp_arch_native()
    let tokens = row.abis.map { abi -> UInt32 in
        seccomp_arch_resolve_name(abi == .x86 ? "x86" : abi == .x32 ? "x32" : "x86_64")
    }
    if !tokens.contains(native) {
        let rc = seccomp_arch_remove(ctx, native)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_arch_remove", rc) }
    }
    for t in tokens where t != native {
        let rc = seccomp_arch_add(ctx, t)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_arch_add", rc) }
    }
    let allow: UInt32 = 0x7FFF_0000
    for name in ["read", "write", "close", "exit_group"] {
        let rc = seccomp_rule_add_array(ctx, allow, seccomp_syscall_resolve_name(name), 0, nil)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_rule_add_array(\(name))", rc) }
    }
    let ioctl = seccomp_syscall_resolve_name("ioctl")
    for v in requestValues(row.values) {
        var cmp = scmp_arg_cmp(arg: 1, op: SCMP_CMP_EQ, datum_a: UInt64(v), datum_b: 0)
        let rc = seccomp_rule_add_array(ctx, allow, ioctl, 1, &cmp)
        guard rc == 0 else { throw BenchError.libseccomp("seccomp_rule_add_array(ioctl)", rc) }
    }
    let rc = seccomp_export_bpf(ctx, fd)
    guard rc == 0 else { throw BenchError.libseccomp("seccomp_export_bpf", rc) }
}

/// libseccomp's program for the row, read back through a memfd.
func libseccompProgram(_ row: Row) throws -> [BPFInstruction] {
    var template = Array("/tmp/seccompose-scale-bench-XXXXXX".utf8CString)
    let fd = mkstemp(&template)
    guard fd >= 0 else { throw BenchError.libseccomp("mkstemp", errno) }
    unlink(template)
    defer { close(fd) }
    try libseccompBuild(row, exportTo: fd)
    let size = Int(lseek(fd, 0, SEEK_END))
    var bytes = [UInt8](repeating: 0, count: size)
    _ = pread(fd, &bytes, size, 0)
    return Program(rawBytes: bytes)?.instructions ?? []
}

/// The most instructions any probed call executes: ioctl with every value, its neighbours and
/// zero, and the four allowed calls, on every ABI of the row.
func worstPath(_ program: [BPFInstruction], _ row: Row) throws -> Int {
    var worst = 0
    for abi in row.abis {
        var probes: [(String, UInt64)] = ["read", "write", "close", "exit_group"].map { ($0, 0) }
        probes.append(("ioctl", 0))
        for v in requestValues(row.values) {
            probes += [("ioctl", UInt64(v)), ("ioctl", UInt64(v) + 1)]
        }
        for (name, arg) in probes {
            guard let nr = SyscallTable.number(of: name, on: abi) else { continue }
            let data = SeccompData(abi: abi, number: nr, args: [0, arg])
            worst = max(worst, try Simulator.run(program, data).instructionsExecuted)
        }
    }
    return worst
}

/// Runs a profiling mode and exits: 0 after `body`, 1 with its error on stderr.
func profilingMode(_ body: () throws -> Void) -> Never {
    do {
        try body()
    } catch {
        FileHandle.standardError.write(Data("seccompose-scale-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

// `first-use`: the costs a fresh process pays once on the way to its first compile of
// @system-service (systemd 262, the default; three ABIs): the syscall table, the argument-width
// table (which argument rules need), the built-in set
// catalog, the expansion, the settings and policy, the first compile; then a second compile
// for comparison. Thread CPU time of each step, in µs, one line (run it in a loop: every
// process is fresh).
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "first-use" {
    profilingMode {
        var steps: [(String, Double)] = []
        func step<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = Goals.threadCPUSeconds()
            let value = try body()
            steps.append((name, (Goals.threadCPUSeconds() - start) * 1e6))
            return value
        }
        _ = step("syscall table") { SyscallTable.isKnown("read") }
        // Read only by policies with argument rules (not by this @system-service compile): here
        // for its own first-use cost.
        _ = step("argument widths") { ArgumentWidths.lookup("clone", on: .x86_64) }
        let catalog = try step("set catalog") { try SetCatalog.builtin(.v262) }
        _ = step("expand @system-service") { catalog.expand("@system-service", resolvedBy: .v262) }
        let policy = try step("settings and policy") { () throws -> Policy in
            let context = try SystemdContext(version: .v262, native: .x86_64)
            var s = SystemCallSettings(context: context)
            _ = s.applyFilter("@system-service", source: ValueSource(file: nil, line: 1))
            return try SystemdPolicyBuilder.build(s).policy
        }
        _ = try step("first compile") { try Compiler.compile(policy) }
        _ = try step("second compile") { try Compiler.compile(policy) }
        print(steps.map { "\($0.0) \(String(format: "%.0f", $0.1))" }.joined(separator: "; "))
    }
}

// `compile-loop ITERATIONS [DOCKER-PROFILE]`: only the compile of @system-service (systemd 252,
// three ABIs), or of the Docker profile given (amd64: three ABIs), for a profiler.
if CommandLine.arguments.count > 2, CommandLine.arguments[1] == "compile-loop" {
    profilingMode {
        let docker = CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : nil
        let policy = try docker.map { try Goals.docker($0).0 } ?? Goals.systemService()
        let t = try Goals.cpuTimed(max(1, Int(CommandLine.arguments[2]) ?? 1000)) { _ = try Compiler.compile(policy) }
        print(String(format: "compile %@: median %.1f µs, fastest %.1f µs", docker == nil ? "@system-service" : "Docker default",
            t.median * 1000, t.fastest * 1000))
    }
}

// `loop N ITERATIONS [ABIS]`: only Seccompose's import and compile of the row's profile, repeated
// (ABIS 1 or 3), for a profiler (`perf record`) to see where the time goes. Prints the median.
if CommandLine.arguments.count > 3, CommandLine.arguments[1] == "loop" {
    let args = CommandLine.arguments
    let abis: [Architecture] = args.count > 4 && args[4] == "3" ? [.x86_64, .x32, .x86] : [.x86_64]
    let row = Row(values: Int(args[2]) ?? 1000, abis: abis)
    let text = Array(profile(row).utf8)
    profilingMode {
        let t = try timed(max(1, Int(args[3]) ?? 100)) {
            let imported = try OCIProfileImporter.load(json: text, file: "bench.json", target: OCITarget(architecture: .x86_64))
            _ = try Compiler.compile(imported.policy)
        }
        print(String(format: "import+compile N=%d ABIs=%d: median %.2f ms, fastest %.2f ms", row.values, abis.count, t.median, t.fastest))
    }
}

// `goals [ITERATIONS] [DOCKER-PROFILE]`: issue 15's program and library-compile-time numbers.
if CommandLine.arguments.count > 1, CommandLine.arguments[1] == "goals" {
    let args = CommandLine.arguments
    let runs = args.count > 2 ? max(1, Int(args[2]) ?? 200) : 200
    let profile = args.count > 3 ? args[3] : "Tests/Fixtures/docker-seccomp-default.json"
    do {
        try Goals.run(iterations: runs, dockerProfile: profile)
    } catch {
        FileHandle.standardError.write(Data("seccompose-scale-bench: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let iterations = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 10) : 10
let rows = [
    Row(values: 100, abis: [.x86_64]), Row(values: 1000, abis: [.x86_64]), Row(values: 3000, abis: [.x86_64]),
    Row(values: 1000, abis: [.x86_64, .x32, .x86]), Row(values: 3000, abis: [.x86_64, .x32, .x86]),
]
print("| N (ABIs) | Seccompose import+compile | compile only | length | worst path | libseccomp compile | length | worst path |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
let devNull = open("/dev/null", O_WRONLY)
let f = { (x: Double) in x < 10 ? String(format: "%.2f ms", x) : String(format: "%.0f ms", x) }
for row in rows {
    let label = "\(row.values) (\(row.abis.map(\.name).joined(separator: ", ")))"
    let text = Array(profile(row).utf8)
    let target = OCITarget(architecture: .x86_64)
    func importAndCompile() throws -> (Policy, Program) {
        let imported = try OCIProfileImporter.load(json: text, file: "bench.json", target: target)
        return (imported.policy, try Compiler.compile(imported.policy))
    }
    // Seccompose: a row that takes over two seconds is built once (a slow compiler's numbers
    // are still numbers); a refusal is a result too, and the other rows still run.
    var ours = "", compileOnly = "", length = "", path = ""
    do {
        var built: (Policy, Program)?
        let first = milliseconds(try ContinuousClock().measure { built = try importAndCompile() })
        if let (policy, program) = built {
            length = "\(program.instructions.count)"
            path = "\(try worstPath(program.instructions, row))"
            if first > 2000 {
                ours = f(first) + " (one build)"
                compileOnly = "-"
            } else {
                ours = f(try timed(iterations) { _ = try importAndCompile() }.median)
                compileOnly = f(try timed(iterations) { _ = try Compiler.compile(policy) }.median)
            }
        }
    } catch {
        ours = "refused: " + (String(describing: error).split(separator: "\n").first.map(String.init) ?? "")
    }
    var theirs = "", theirLength = "", theirPath = ""
    do {
        theirs = f(try timed(iterations) { try libseccompBuild(row, exportTo: devNull) }.median)
        let program = try libseccompProgram(row)
        theirLength = "\(program.count)"
        theirPath = "\(try worstPath(program, row))"
    } catch {
        theirs = "failed: \(error)"
    }
    print("| \(label) | \(ours) | \(compileOnly) | \(length) | \(path) | \(theirs) | \(theirLength) | \(theirPath) |")
}
