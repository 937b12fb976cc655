// ProfileExport.swift: `compile --format oci|lxc`: the policy as an OCI profile or an LXC
// policy, written only when the runtime's reading of it decides exactly as the policy (or with
// --lossy).

import ArgumentParser
import FoundationEssentials
import SeccomposeDiff
import SeccomposeInput
import SeccomposeRuntime
import SeccomposeSyscalls

enum ProfileExport {
    /// Builds the policy, exports it, checks the export by exact round trip and writes it.
    static func run(input: PolicyOptions, positionalUnit: String?, lxc: Bool = false, lossy: Bool, output: String?) throws {
        let request = try input.request(positionalUnit: positionalUnit)
        guard !request.isEmpty else {
            throw ValidationError("nothing to compile: give --filter VALUE…, --unit FILE, --profile FILE, --architectures or --log")
        }
        guard let native = Architecture(name: input.settings.native) else {
            throw ValidationError("unknown ABI '\(input.settings.native)' for --native")
        }
        let compiled: FilterRequest.Compiled
        do {
            compiled = try request.compile()
        } catch {
            throw failureExit(error)
        }
        reportDiagnostics(compiled.built.diagnostics)
        let check: ExportCheck.Result
        do {
            check = lxc ? try ExportCheck.lxc(compiled.built.policy, host: native) : try ExportCheck.oci(compiled.built.policy, native: native)
        } catch {
            Terminal.report(error)
            throw ExitCode(.findings)
        }
        if !check.isLossless {
            let limit = 50
            var s = "seccompose: \(lossy ? "warning" : "error"): the \(lxc ? "LXC policy" : "OCI profile") does not decide as the policy; it cannot express:\n"
            s += check.losses.prefix(limit).map { "  \($0)\n" }.joined()
            if check.losses.count > limit { s += "  … and \(check.losses.count - limit) more\n" }
            if !lossy {
                s += "  fix: change the policy, or give --lossy to write the profile anyway"
                Terminal.error(s)
                throw ExitCode(.findings)
            }
            Terminal.error(s)
        }
        let bytes = Array(check.export.json.utf8)
        try writeOutput(bytes, to: output)
        // As every command: warnings in the input make the status 1 (the exit-status table).
        if hasFindings(compiled.built.diagnostics) { throw ExitCode(.findings) }
    }
}
