// ReuseGate.swift: whether the policy builder's memo tables are used in this process yet.

import Synchronization

/// Counts the policies built in this process; the builder's memo tables (the `@known` table,
/// the member tables of built-in groups, the directive filters and their stacks) are read and
/// filled only once one was built.
///
/// A memo table pays for itself only when it is read again: `check` and the fuzzers build a
/// policy per unit, `run` builds one in all. For a one-shot process the tables are pure cost:
/// each dictionary's generic storage is instantiated at its first use, and with it the runtime
/// looks up the key type's `Hashable` conformance among all the conformance records of the
/// binary (about 45 µs each), and a table kept is copied on its first write. So the first build
/// makes everything afresh and keeps nothing; the builds after it keep and reuse what they make.
/// Either way the same values come out: the tables only remember what the builder computes.
enum ReuseGate {
    private static let builds = Atomic<Int>(0)

    /// Notes that a policy build ended (`SystemdPolicyBuilder.build`).
    static func noteBuild() { builds.add(1, ordering: .relaxed) }

    /// Whether the memo tables are read and filled: a policy was built before.
    static var isOpen: Bool { builds.load(ordering: .relaxed) > 0 }
}
