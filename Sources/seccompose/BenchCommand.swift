// BenchCommand.swift: `seccompose bench`: program size, executed instructions and compile time.

import ArgumentParser
import FoundationEssentials
import Glibc
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark the compiler on reference policies (numbers, not a pass/fail test).",
        discussion: "Policies: @system-service (systemd 252, x86, x32, x86-64), ~@privileged @resources with EPERM, and a Docker/OCI profile (--profile) for amd64 with Docker's default capabilities."
    )

    @Option(help: ArgumentHelp("A Docker/OCI seccomp profile (JSON) or an LXC policy (for an x86_64 host) to include.", valueName: "file"))
    var profile: String?

    @Option(help: "Compilations to time per policy (at least 10: ten batches are timed).")
    var iterations: Int = 2000

    @Option(name: .customLong("argument-widths"), help: ArgumentHelp("The compiler's argument mode: kernel, strict or systemd.", valueName: "mode"))
    var argumentWidths: ArgumentWidthMode = .kernel

    func validate() throws {
        guard iterations >= 10 else {
            throw ValidationError("--iterations \(iterations): give at least 10 (the time is the median of ten batches)")
        }
    }

    @Flag(help: "Time the exact diff of two hardened units instead (see docs/diff.md); --iterations diffs.")
    var diff = false

    func run() throws {
        if diff {
            if profile != nil { throw ValidationError("--profile is not used by --diff (it compares two built-in hardened units)") }
            return try DiffBench.run(iterations: iterations == 2000 ? 20 : iterations, mode: argumentWidths)
        }
        var cases: [(String, Policy)] = []
        let context = try SystemdContext(version: .v252, native: .x86_64, argumentWidths: argumentWidths)
        for (label, lines) in [
            ("@system-service", ["@system-service"]), ("~@privileged @resources (EPERM)", ["~@privileged @resources"]),
        ] {
            var s = SystemCallSettings(context: context)
            if label.contains("EPERM") { _ = s.applyErrorNumber("EPERM", source: ValueSource(file: nil, line: 1)) }
            for (i, l) in lines.enumerated() { _ = s.applyFilter(l, source: ValueSource(file: nil, line: i + 1)) }
            cases.append((label, try SystemdPolicyBuilder.build(s).policy))
        }
        if let profile {
            // The exit-status table: 2 when the profile cannot be read, 1 when it cannot be used.
            let text: String
            do { text = try TextFile.read(profile) } catch {
                Terminal.report(error)
                throw ExitCode(.unreadable)
            }
            if LXCPolicyImporter.isLXCPolicy(text) {
                do {
                    var policy = try LXCPolicyImporter.load(text: text, file: profile, host: .x86_64).policy
                    policy.argumentWidths = argumentWidths
                    cases.append(("LXC policy (x86_64 host)", policy))
                } catch {
                    reportDiagnostics([error.diagnostic])
                    throw ExitCode(.findings)
                }
            } else {
                let imported: OCIImport
                do {
                    imported = try OCIProfileImporter.load(json: Array(text.utf8), file: profile, target: OCITarget(architecture: .x86_64))
                } catch {
                    reportDiagnostics([error.diagnostic(file: profile, text: text)])
                    throw ExitCode(.findings)
                }
                var policy = imported.policy
                policy.argumentWidths = argumentWidths
                cases.append(("Docker default (amd64)", policy))
            }
        }
        let options = CompileOptions()  // the mode travels with each policy
        for (label, policy) in cases {
            let (effective, program) = try Compiler.compiled(policy, options: options)
            // Warm up, then time.
            for _ in 0..<50 { _ = try Compiler.compile(policy, options: options) }
            // Ten batches; the median batch is reported (robust to a busy machine), with the fastest.
            let clock = ContinuousClock()
            let batch = iterations / 10
            var perCompile: [Double] = []
            for _ in 0..<10 {
                let elapsed = try clock.measure {
                    for _ in 0..<batch { _ = try Compiler.compile(policy, options: options) }
                }
                let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
                perCompile.append(ms / Double(batch))
            }
            perCompile.sort()
            let stats = ProgramStats.measure(policy: effective, program: program)
            var s = "\(label)\n"
            s += "  program length: \(stats.length) instructions\n"
            s += "  compile time: \(perCompile[5].fixed(4)) ms median of 10 batches of \(batch)"
            s += " (fastest batch \(perCompile[0].fixed(4)) ms)\n"
            for a in stats.abis {
                s += "  \(a.abi.name): R=\(a.ranges) instructions mean \(a.meanInstructions.fixed(2))"
                s += " max \(a.maxInstructions), without argument checks \(a.maxDispatchInstructions)"
                s += " (bound 4+⌈log2 R⌉+earlier arch tests = \(a.bound)\(a.maxDispatchInstructions <= a.bound ? ", met" : ", MISSED"))"
                s += " cacheable \(a.cacheable)/\(a.unconditionalAllows) unconditional allows\n"
            }
            Terminal.out(s)
        }
    }
}
