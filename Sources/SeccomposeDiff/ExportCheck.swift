// ExportCheck.swift: an exported profile is judged by what a runtime makes of it, compared
// exactly with the policy it came from.

import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls

/// Checks exports by round trip: the written profile is read back as the runtime reads it
/// (runc + libseccomp's semantics, `OCIProfileImporter`) and compared decision by decision with
/// the policy it was written from.
public enum ExportCheck {
    /// The result of a check: the export and every decision it loses.
    public struct Result: Sendable {
        /// The profile written.
        public var export: OCIProfileExporter.Export
        /// The exact comparison of the policy (old) with the profile read back (new).
        public var diff: PolicyDiff

        /// Whether the profile decides exactly as the policy on every ABI, syscall and argument.
        public var isLossless: Bool { diff.isIdentical && export.losses.isEmpty }

        /// Every loss in words: the exporter's notes, then each decision that differs.
        public var losses: [String] {
            export.losses + diff.changes.map { "\($0) (the policy's decision -> the runtime's)" }
        }
    }

    /// Exports `policy` as an OCI profile and compares the runtime's reading of it with the policy.
    ///
    /// - Parameter native: the ABI the runtime runs on (runc judges it whatever the profile says).
    /// - Throws: `DiffError` when the export cannot be read back or compared.
    public static func oci(_ policy: Policy, native: Architecture) throws(DiffError) -> Result {
        let export: OCIProfileExporter.Export
        do {
            export = try OCIProfileExporter.export(policy)
        } catch {
            throw DiffError("the OCI profile could not be encoded: \(error)", fix: "report the policy as a Seccompose bug")
        }
        let mode = policy.argumentWidths ?? .kernel
        let imported: OCIImport
        do {
            imported = try OCIProfileImporter.load(json: Array(export.json.utf8), file: "<exported profile>",
                target: OCITarget(architecture: native), argumentWidths: mode)
        } catch {
            throw DiffError("the exported profile cannot be loaded the way runc loads it: \(error.message)",
                fix: "the policy has a rule libseccomp refuses; simplify its argument rules")
        }
        return Result(export: export, diff: try compare(policy, readBack: imported.policy, mode: mode, label: "OCI profile"))
    }

    /// Exports `policy` as an LXC version 2 policy for a host of ABI `host` and compares LXC's
    /// reading of it (`LXCPolicyImporter`, the same host) with the policy.
    ///
    /// - Throws: `DiffError` when the export cannot be read back or compared.
    public static func lxc(_ policy: Policy, host: Architecture) throws(DiffError) -> Result {
        let export = LXCPolicyExporter.export(policy, host: host)
        let mode = policy.argumentWidths ?? .kernel
        let imported: LXCImport
        do {
            imported = try LXCPolicyImporter.load(text: export.json, file: "<exported LXC policy>", host: host, argumentWidths: mode)
        } catch {
            throw DiffError("the exported LXC policy cannot be loaded the way LXC loads it: \(error.diagnostic.message)",
                fix: "the policy has a rule libseccomp refuses; simplify its argument rules")
        }
        return Result(export: export, diff: try compare(policy, readBack: imported.policy, mode: mode, label: "LXC policy"))
    }

    /// The policy (old) compared with its export as read back (new), judged in the policy's mode.
    static func compare(_ policy: Policy, readBack: Policy, mode: ArgumentWidthMode, label: String) throws(DiffError) -> PolicyDiff {
        var readBack = readBack
        readBack.argumentWidths = mode
        return try FilterComparison.compare(try FilterStack(label: "policy", policy: policy), try FilterStack(label: label, policy: readBack))
    }
}
