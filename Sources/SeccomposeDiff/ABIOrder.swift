// ABIOrder.swift: the listing order of ABI names in a diff.

import SeccomposeSyscalls

/// The listing order of ABI names: declaration order, unknown AUDIT_ARCH values last.
enum ABIOrder {
    /// The position of the ABI called `name` (`other` and unknown names last).
    static func order(of name: String) -> Int {
        Architecture(rawValue: name).flatMap { Architecture.allCases.firstIndex(of: $0) } ?? Architecture.allCases.count
    }
}
