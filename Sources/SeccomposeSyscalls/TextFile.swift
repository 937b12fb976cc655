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

    /// `PATH: error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, at: SourcePosition(wholeFile: path), fix: fix) }
}

/// Reading text files and listing directories through Glibc.
public enum TextFile {
    /// The default size limit for a text file Seccompose reads: 16 MiB.
    public static let defaultLimit = 16 << 20

    /// Reads a whole file as UTF-8 text.
    ///
    /// - Throws: `FileAccessError` when the file cannot be opened or read, is larger than
    ///   `limit` bytes, contains a NUL byte (binary data) or is not valid UTF-8.
    public static func read(_ path: String, limit: Int = defaultLimit) throws(FileAccessError) -> String {
        func failure(_ message: String, _ fix: String) -> FileAccessError {
            FileAccessError(path: path, message: message, fix: fix)
        }
        guard let f = fopen(path, "rb") else {
            throw failure("cannot open: \(String(cString: strerror(errno)))", "check the path and its permissions")
        }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            if n > 0 { bytes.append(contentsOf: buffer[0..<n]) }
            if bytes.count > limit {
                throw failure("file larger than \(limit) bytes", "shorten the file or split it")
            }
            if n < buffer.count {
                if ferror(f) != 0 {
                    throw failure("read error: \(String(cString: strerror(errno)))", "check that the path is a regular file")
                }
                break
            }
        }
        if let nul = bytes.firstIndex(of: 0) {
            throw failure("binary data (a NUL byte at offset \(nul))", "pass a plain UTF-8 text file")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("the file is not valid UTF-8", "save the file as UTF-8 text")
        }
        return text
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
