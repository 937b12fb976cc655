// TextFile.swift: the one seam through which Seccompose reads files (sets, units, profiles).

import SeccomposeDiagnostics

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file that could not be read, with what went wrong and how to fix it.
public struct FileAccessError: ReportableError, Sendable, Equatable {
    /// The path as given.
    public var path: String
    /// What went wrong.
    public var message: String
    /// How to fix it.
    public var fix: String
    /// Whether the file was refused for being larger than the limit the reader was given.
    public var exceededLimit = false

    /// `PATH: error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, at: SourcePosition(wholeFile: path), fix: fix) }
}

/// Reading text files and listing directories through Glibc.
public enum TextFile {
    /// The default size limit for a text file Seccompose reads: 16 MiB.
    public static let defaultLimit = 16 << 20

    /// `text.split(separator: "\n")` or `text.split(separator: "\t")` (non-empty pieces, as
    /// Strings), split on the bytes (`pieces(of:at:)`). (The embedded tables read at start-up are
    /// split this way: a Character split costs about 200 instructions a byte.)
    public static func split(_ text: String, at separator: UInt8) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            pieces(of: bytes, at: separator).map { String(decoding: UnsafeBufferPointer(rebasing: bytes[$0]), as: UTF8.self) }
        }
    }

    /// Where the non-empty pieces of `bytes` between `separator`s are, as `split(separator:)` of
    /// their text by Characters finds them: `separator` must be LF (0x0A) or tab (0x09), each
    /// always a Character of its own, but LF in CR LF, which a Character split does not split at
    /// either.
    public static func pieces(of bytes: UnsafeBufferPointer<UInt8>, at separator: UInt8) -> [Range<Int>] {
        precondition(separator == 0x0A || separator == 0x09, "pieces(of:at:) splits at LF or tab only")
        // Room for every piece up front (growing the array cost more than the split).
        var out: [Range<Int>] = []
        var separators = 0
        for b in bytes where b == separator { separators += 1 }
        out.reserveCapacity(separators + 1)
        var start = 0
        for i in 0...bytes.count {
            if i < bytes.count, bytes[i] != separator || (separator == 0x0A && i > 0 && bytes[i - 1] == 0x0D) { continue }
            if i > start { out.append(start..<i) }
            start = i + 1
        }
        return out
    }

    /// Reads a whole file as UTF-8 text.
    ///
    /// - Throws: `FileAccessError` when the file cannot be opened or read, is not a regular file
    ///   (a FIFO or device would block or never end), is larger than `limit` bytes, contains a
    ///   NUL byte (binary data) or is not valid UTF-8.
    public static func read(_ path: String, limit: Int = defaultLimit) throws(FileAccessError) -> String {
        let bytes = try readBytes(path, limit: limit)
        if let nul = bytes.firstIndex(of: 0) {
            throw FileAccessError(path: path, message: "binary data (a NUL byte at offset \(nul))",
                fix: "pass a plain UTF-8 text file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw FileAccessError(path: path, message: "the file is not valid UTF-8", fix: "save the file as UTF-8 text")
        }
        return text
    }

    /// Reads a whole regular file as bytes (a raw BPF program, for one).
    ///
    /// - Throws: `FileAccessError` when the file cannot be opened or read, is not a regular file
    ///   (a FIFO or device would block or never end), or is larger than `limit` bytes.
    public static func readBytes(_ path: String, limit: Int = defaultLimit) throws(FileAccessError) -> [UInt8] {
        func failure(_ message: String, _ fix: String) -> FileAccessError {
            FileAccessError(path: path, message: message, fix: fix)
        }
        // O_NONBLOCK: opening a FIFO does not wait for a writer; the type is checked before reading.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw failure("cannot open: \(String(cString: strerror(errno)))", "check the path and its permissions")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            close(fd)
            throw failure("cannot read: \(String(cString: strerror(e)))", "check the path and its permissions")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw failure("not a regular file (\(kind(of: st.st_mode)))", "pass the path of a regular file")
        }
        // Reads block again (a regular file never blocks; this keeps reads simple).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        defer { close(fd) }
        func tooLarge() -> FileAccessError {
            var e = failure("file larger than \(limit) bytes", "shorten the file or split it")
            e.exceededLimit = true
            return e
        }
        func readError(_ e: Int32) -> FileAccessError {
            failure("read error: \(String(cString: strerror(e)))", "check that the path is a regular file")
        }
        // One read(2) into storage sized by fstat (one byte more, so that a file grown since, or
        // one over the limit, is noticed), neither zero-filled first nor copied through stdio. A
        // file whose size fstat does not tell (/proc, /sys: 0) gets a page to start with.
        let expected = st.st_size > 0 ? min(Int(st.st_size), limit) + 1 : min(limit + 1, 4096)
        var failed: Int32 = 0
        var ended = false
        var bytes = [UInt8](unsafeUninitializedCapacity: expected) { buffer, count in
            count = 0
            guard let base = buffer.baseAddress else { return }
            while count < buffer.count {
                let n = systemRead(fd, base + count, buffer.count - count)
                if n > 0 {
                    count += n
                } else if n == 0 {
                    ended = true
                    return
                } else if errno != EINTR {
                    failed = errno
                    return
                }
            }
        }
        if failed != 0 { throw readError(failed) }
        // The rest, in chunks, of a file that grew after fstat or did not tell its size.
        if !ended {
            let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
            defer { chunk.deallocate() }
            while !ended {
                if bytes.count > limit { throw tooLarge() }
                guard let base = chunk.baseAddress else { break }
                let n = systemRead(fd, base, chunk.count)
                if n > 0 {
                    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[0..<n]))
                } else if n == 0 {
                    ended = true
                } else if errno != EINTR {
                    throw readError(errno)
                }
            }
        }
        if bytes.count > limit { throw tooLarge() }
        return bytes
    }

    /// Whether `path` names a regular file (following symbolic links).
    public static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    /// What kind of file a `st_mode` describes, for messages.
    static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }

    /// The entry names of a directory (without `.` and `..`), unsorted.
    public static func listDirectory(_ path: String) throws(FileAccessError) -> [String] {
        guard let dir = opendir(path) else {
            throw FileAccessError(path: path, message: "cannot read the directory: \(String(cString: strerror(errno)))",
                fix: "pass an existing, readable directory")
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// read(2), named apart from `TextFile.read`, which shadows it inside the type.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
