// ValueSource.swift: where a setting's value starts, as the one source-position type.

@_exported import SeccomposeDiagnostics

/// Where a value came from: the position of its first character on a unit-file line, or the
/// n-th value on the command line (line = its index from 1).
public typealias ValueSource = SourcePosition

extension SourcePosition {
    /// A value starting at `file`:`line`:`valueColumn`.
    public init(file: String?, line: Int, valueColumn: Int) {
        self.init(file: file, line: line, column: valueColumn)
    }

    /// The 1-based column where the value starts (the position's column).
    public var valueColumn: Int {
        get { column }
        set { column = newValue }
    }
}
