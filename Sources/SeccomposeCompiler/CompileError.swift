// CompileError.swift: why a policy could not be compiled.

/// Why a policy could not be compiled.
public struct CompileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public var fix: String
    public var description: String { "error: \(message)\n  fix: \(fix)" }
}
