// Layout.swift: how the compiler trades executed instructions for program size.

/// The shape of the argument searches: the fastest layout first, then smaller ones, so a policy
/// that fits the kernel's limit in any layout is compiled (never refused for the fastest one).
struct Layout: Hashable, Sendable {
    /// The longest run of `JEQ` tests at a leaf of a value-set search. A search over N values
    /// takes about N + N/leafRun instructions and executes about ⌈log2(N/leafRun)⌉ + leafRun.
    var leafRun: Int

    /// The fastest layout: runs of three (the split costs as much as a test).
    static let fastest = Layout(leafRun: 3)

    /// The layouts tried, fastest first: each doubles the run length (halving the splits), the
    /// last has no splits at all (one `JEQ` per value: the smallest program).
    static let escalation: [Layout] = [3, 6, 12, 24, 48, 96, 192, 384, 768, 1536, 3072].map(Layout.init) + [Layout(leafRun: .max)]
}
