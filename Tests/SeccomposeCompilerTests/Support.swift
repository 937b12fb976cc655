import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

/// Boundary argument values (reference compilers.md §6c trap 2 and 3).
let boundaryValues: [UInt64] = [
    0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0001, 0x8000_0000_0000_0000,
    .max, .max - 1, UInt64(bitPattern: -2), 0xFFFF_FFFF_8000_0000, 0x0000_0001_FFFF_FFFF,
]

/// The systemd 252 policy for a unit fragment (SystemCall*= lines).
func systemdPolicy(_ fragment: String, version: SystemdVersion = .v252) throws -> Policy {
    var s = SystemCallSettings(context: try SystemdContext(version: version, native: .x86_64, argumentWidths: .systemd))
    for a in UnitSettingsReader.assignments(of: "[Service]\n" + fragment, file: "f").0 { _ = s.apply(a) }
    return try SystemdPolicyBuilder.build(s).policy
}

/// Every (ABI, number) a test should probe: numbers 0…600 of each ABI (with its base), x32
/// numbers, -1 and a few far-away values.
func probeNumbers(_ abi: Architecture) -> [Int] {
    var out = Array(0...600).map { $0 + abi.syscallBase }
    out += [abi.syscallBase + 1000, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x4000_0000 - 1]
    return out
}

/// Compiler options that keep every comparison as written (64-bit machinery tests, systemd and
/// libseccomp equality).
let asWritten = CompileOptions(argumentWidths: .systemd)

/// The policy for unit lines (SystemCall*= and the argument directives) under `mode`.
func unitPolicy(_ lines: String, version: SystemdVersion = .v252, native: Architecture = .x86_64, mode: ArgumentWidthMode)
    throws -> Policy
{
    let context = try SystemdContext(version: version, native: native, argumentWidths: mode)
    var settings = SystemCallSettings(context: context)
    var directives = ExecDirectives(context: context)
    for a in UnitSettingsReader.assignments(of: "[Service]\n" + lines, file: "u").0 {
        if ExecDirectives.keys.contains(a.key) { _ = directives.apply(a) } else { _ = settings.apply(a) }
    }
    return try SystemdPolicyBuilder.build(settings, directives: directives).policy
}

/// `p` judging only the ABIs of `abi`'s byte order: one program serves kernels of one byte order,
/// so a policy over both is compiled once per order (the others get the other-ABI action).
func sameByteOrder(_ p: Policy, as abi: Architecture) -> Policy {
    var q = p
    q.architectures = p.architectures.filter { $0.isLittleEndian == abi.isLittleEndian }
    return q
}

/// `abis` split by byte order (little-endian first), leaving out an empty group.
func byteOrderGroups(_ abis: [Architecture]) -> [[Architecture]] {
    [abis.filter(\.isLittleEndian), abis.filter { !$0.isLittleEndian }].filter { !$0.isEmpty }
}
