// PlainJoin.swift: joining strings without the standard library's generic `joined(separator:)`.

extension Array where Element == String {
    /// The strings with `separator` between them, as `joined(separator:)` writes them. That
    /// generic call's first use in a process makes the Swift runtime scan all of the binary's
    /// conformance records (about 45 µs in `seccompose`), which a launch pays for nothing
    /// (docs/launch-performance.md).
    public func joinedPlainly(separator: String) -> String {
        var out = ""
        for (i, s) in enumerated() {
            if i > 0 { out += separator }
            out += s
        }
        return out
    }
}
