// libsystemd loaded with dlopen (JournalLibrary, CSeccomp/cjournal.c) against libsystemd linked
// through the CSystemd system-library target (pkg-config `libsystemd`): the same functions, the
// errors when the library is missing or is not libsystemd, the packaging note, and a journal that
// cannot be written reported as a warning instead of lost silently.

import CSeccomp
import CSystemd
import Foundation
import SeccomposeInput
import SeccomposeLaunch
import SeccomposeRuntime
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite("libsystemd on demand: the dlopen-loaded sd-journal is the linked one")
struct JournalLibraryTests {
    typealias Journal = OpaquePointer?

    /// Each function the loader resolves, as a direct link to libsystemd (the CSystemd target) calls
    /// it, with the type Swift imports from libsystemd's header.
    static func linked() -> [(String, UnsafeRawPointer)] {
        func address<F>(_ f: F) -> UnsafeRawPointer { unsafeBitCast(f, to: UnsafeRawPointer.self) }
        typealias Sendv = @convention(c) (UnsafePointer<iovec>?, Int32) -> Int32
        typealias Open = @convention(c) (UnsafeMutablePointer<Journal>?, Int32) -> Int32
        typealias OpenDirectory = @convention(c) (UnsafeMutablePointer<Journal>?, UnsafePointer<CChar>?, Int32) -> Int32
        typealias Close = @convention(c) (Journal) -> Void
        typealias AddMatch = @convention(c) (Journal, UnsafeRawPointer?, Int) -> Int32
        typealias Step = @convention(c) (Journal) -> Int32
        typealias SeekTime = @convention(c) (Journal, UInt64) -> Int32
        typealias GetData = @convention(c) (Journal, UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeRawPointer?>?,
            UnsafeMutablePointer<Int>?) -> Int32
        return [
            ("sd_journal_sendv", address(sd_journal_sendv as Sendv)),
            ("sd_journal_open", address(sd_journal_open as Open)),
            ("sd_journal_open_directory", address(sd_journal_open_directory as OpenDirectory)),
            ("sd_journal_close", address(sd_journal_close as Close)),
            ("sd_journal_flush_matches", address(sd_journal_flush_matches as Close)),
            ("sd_journal_add_match", address(sd_journal_add_match as AddMatch)),
            ("sd_journal_seek_head", address(sd_journal_seek_head as Step)),
            ("sd_journal_seek_realtime_usec", address(sd_journal_seek_realtime_usec as SeekTime)),
            ("sd_journal_next", address(sd_journal_next as Step)),
            ("sd_journal_get_data", address(sd_journal_get_data as GetData)),
        ]
    }

    @Test("every loaded function is the one pkg-config's libsystemd links")
    func sameFunctions() throws {
        try JournalLibrary.require()
        #expect(JournalLibrary.soname == "libsystemd.so.0")
        for (name, address) in Self.linked() {
            #expect(cseccomp_journal_function(name) == address, "\(name)")
        }
        #expect(cseccomp_journal_function("sd_journal_print") == nil)
    }

    @Test("a missing library: what, and how to install it")
    func missing() throws {
        let error = try #require(JournalLibrary.check(soname: "libseccompose-missing.so.0"))
        #expect(error.message.hasPrefix("cannot load libseccompose-missing.so.0: "), "\(error)")
        #expect(error.fix.contains("apt-get install libsystemd0"))
        #expect(error.code == ENOPKG)
    }

    @Test("a library that is not libsystemd names the first function it lacks")
    func notLibsystemd() throws {
        let error = try #require(JournalLibrary.check(soname: "libc.so.6"))
        #expect(error.message == "libc.so.6 has no sd_journal_sendv: it is not libsystemd", "\(error)")
        #expect(JournalLibrary.check(soname: JournalLibrary.soname) == nil)
    }

    @Test("the reader opens a journal directory through the loaded library")
    func readsADirectory() throws {
        try Support.withTemporaryDirectory { dir in
            // An empty directory is a journal without entries: nothing found, no error.
            let found = try JournalAuditReader.records(unit: nil, pids: [], since: nil, directory: dir.path)
            #expect(found.records.isEmpty && found.others == 0)
        }
    }

    @Test("the .note.dlopen ELF note names libsystemd.so.0 for packaging tools")
    func dlopenNote() throws {
        let objcopy = try Support.requireTool("objcopy", package: "binutils")
        let executable = try #require(Bundle.main.executablePath ?? CommandLine.arguments.first)
        try Support.withTemporaryDirectory { dir in
            let out = dir.appendingPathComponent("note").path
            let r = try Support.run(objcopy, ["-O", "binary", "--only-section=.note.dlopen", executable, out], timeout: 60)
            #expect(r.status == 0, "\(r)")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
            try #require(bytes.count > 16, "no .note.dlopen in \(executable)")
            func word(_ at: Int) -> UInt32 { bytes[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
            let (namesz, descsz, type) = (Int(word(0)), Int(word(4)), word(8))
            #expect(namesz == 4 && type == 0x407c_0c0a)
            #expect(bytes[12..<16] == [0x46, 0x44, 0x4f, 0])  // "FDO\0"
            try #require(descsz > 0 && bytes.count >= 16 + descsz && bytes.count % 4 == 0, "descsz \(descsz), \(bytes.count) bytes")
            #expect(bytes[16 + descsz - 1] == 0, "the JSON ends with its NUL")
            let json = Data(bytes[16..<16 + descsz - 1])
            let notes = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
            #expect(notes.first?["soname"] as? [String] == ["libsystemd.so.0"], "\(notes)")
            #expect(notes.first?["priority"] as? String == "recommended")
        }
    }

    /// A journal sink whose entries are lost.
    struct LosingJournal: JournalSink {
        func send(_ fields: [(String, String)]) {}
        var failure: String? { "no journal entries were written: cannot load libsystemd.so.0; install it" }
    }

    @Test("a journal that cannot be written is a warning of the outcome, not a silent loss")
    func unwritableJournal() throws {
        var request = FilterRequest(context: try SystemdContext())
        request.filters = ["~mount"]
        let compiled = try request.compile()
        for (journal, lost) in [(LosingJournal() as any JournalSink, true), (RecordingJournal(), false)] {
            let supervisor = Supervisor(filter: compiled, journal: journal,
                audit: OpenedAuditSource(source: InMemoryAuditSource(), kind: .netlink, warning: nil))
            supervisor.forwardSignals = false
            defer { supervisor.close() }
            let outcome = supervisor.finish(try supervisor.start(LaunchCommand(["/bin/true"], environment: [])))
            let warned = outcome.warnings.contains("no journal entries were written: cannot load libsystemd.so.0; install it")
            #expect(warned == lost, "\(outcome.warnings)")
        }
    }
}
