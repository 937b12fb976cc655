// Bytewise.swift: the byte-wise order of UTF-8 texts and byte strings, with the C library's
// memcmp (the first differing byte decides, as unsigned, as `UInt8`'s `<` does; with none in the
// common length the shorter comes first). The generic `lexicographicallyPrecedes` costs a call per
// element, and in the fuzz builds a traced comparison per byte; the launch's environment, the
// catalog's group order and the policy builder's findings each sort by bytes.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-wise order (see the file comment).
package enum Bytewise {
    /// The order of `x` and `y`: negative, zero or positive, a proper prefix first.
    package static func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
        let common = Swift.min(x.count, y.count)
        if common > 0, let p = x.baseAddress, let q = y.baseAddress {
            let order = Int(memcmp(p, q, common))
            if order != 0 { return order }
        }
        return x.count - y.count
    }

    /// `compare` of two byte arrays.
    package static func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compare(x, y) } }
    }

    /// `a.utf8.lexicographicallyPrecedes(b.utf8)`, over the two Strings' own buffers when they
    /// have them.
    package static func precedes(_ a: String, _ b: String) -> Bool {
        let answer = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in compare(UnsafeRawBufferPointer(x), UnsafeRawBufferPointer(y)) < 0 }
        }
        if case .some(.some(let answer)) = answer { return answer }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
