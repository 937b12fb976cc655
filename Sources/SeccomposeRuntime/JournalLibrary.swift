// JournalLibrary.swift: libsystemd (sd-journal), loaded when a journal is first written or read.

import CSeccomp

#if canImport(Glibc)
    import Glibc
#endif

/// libsystemd's sd-journal, loaded with `dlopen` on first use rather than linked.
///
/// A `seccompose run` on a machine without journald never loads libsystemd and the six libraries
/// it brings (about 0.65 ms of every start; docs/launch-performance.md, "Ninth round"). The calls
/// keep the types of libsystemd's own header (`CSeccomp/cjournal.c` declares each pointer with
/// `typeof`), and the executable's `.note.dlopen` ELF note names `libsystemd.so.0` for packaging
/// tools. The tests link libsystemd through the `CSystemd` system-library target (pkg-config
/// `libsystemd`) and check that the loaded functions are the ones that link calls.
public enum JournalLibrary {
    /// The run-time name of the library loaded (Debian: package libsystemd0).
    public static let soname = String(cString: CSECCOMP_JOURNAL_SONAME)

    /// nil once libsystemd is loaded; else why not, with how to fix it. Computed once per process.
    private static let failure: AuditSourceError? = failure(of: { cseccomp_journal_load(CSECCOMP_JOURNAL_SONAME, $0, $1) })

    /// Loads libsystemd (once per process) for the sd-journal calls.
    ///
    /// - Throws: `AuditSourceError` saying what is missing and how to install it.
    public static func require() throws(AuditSourceError) {
        if let failure { throw failure }
    }

    /// Opens `name` and resolves the functions as `require()` does, then closes it, loading
    /// nothing for the calls: nil when it would do as libsystemd, otherwise the error loading it
    /// would give.
    public static func check(soname name: String) -> AuditSourceError? {
        failure(of: { cseccomp_journal_check(name, $0, $1) })
    }

    /// nil when `call` (a C loader writing a sentence into the buffer on failure) returns 0.
    private static func failure(of call: (UnsafeMutablePointer<CChar>, Int) -> Int32) -> AuditSourceError? {
        var message = [CChar](repeating: 0, count: 512)
        let r = message.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { call($0, buffer.count) } ?? -1
        }
        guard r != 0 else { return nil }
        let text = message.withUnsafeBufferPointer { buffer in
            String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return AuditSourceError(code: ENOPKG, message: text, fix: "install libsystemd (Debian: apt-get install libsystemd0)")
    }
}
