// ByteSearch.swift: finding one byte in a string's UTF-8 with the C library's memchr.
//
// A byte loop in Swift is compiled into this module, so in the fuzz builds every byte it looks at
// costs a traced comparison; memchr is not instrumented, and it is faster anyway.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum ByteSearch {
    /// Whether the UTF-8 of `text` contains `byte` (the same answer as `text.utf8.contains(byte)`).
    static func contains(_ text: String, _ byte: UInt8) -> Bool {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let found = text.utf8.withContiguousStorageIfAvailable({ buffer -> Bool in
            guard let base = buffer.baseAddress, !buffer.isEmpty else { return false }
            return memchr(base, Int32(byte), buffer.count) != nil
        }) {
            return found
        }
        #endif
        return text.utf8.contains(byte)
    }
}
