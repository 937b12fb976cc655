import Foundation
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSyscalls

/// `TextFile.readBytes`, the one seam every file read goes through: whole files, sizes at and
/// over the limit, files whose size `fstat` does not tell (/proc), and what is not a file.
@Suite("text file reading")
struct TextFileTests {
    @Test("a file is read whole, at the limit and under it; one byte over is refused as too large")
    func limits() throws {
        try Support.withTemporaryDirectory { dir in
            for size in [0, 1, 7, 4096, 65536, 65537, 200_000] {
                let path = dir.appendingPathComponent("f\(size)").path
                let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                #expect(try TextFile.readBytes(path, limit: size) == bytes, "size \(size) at the limit")
                #expect(try TextFile.readBytes(path, limit: size + 1) == bytes, "size \(size) under the limit")
                #expect(try TextFile.readBytes(path) == bytes, "size \(size) with the default limit")
                if size > 0 {
                    let error = #expect(throws: FileAccessError.self) { try TextFile.readBytes(path, limit: size - 1) }
                    #expect(error?.exceededLimit == true, "size \(size) over the limit")
                    #expect(error?.message == "file larger than \(size - 1) bytes")
                }
            }
        }
    }

    @Test("a /proc file (fstat says 0 bytes) is read whole, and its limit still holds")
    func procFiles() throws {
        let path = "/proc/self/status"
        let bytes = try TextFile.readBytes(path)
        #expect(bytes.count > 100)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("Name:"))
        #expect(bytes.last == UInt8(ascii: "\n"))
        let error = #expect(throws: FileAccessError.self) { try TextFile.readBytes(path, limit: 10) }
        #expect(error?.exceededLimit == true)
    }

    @Test("a directory, a FIFO and a missing path are refused with what they are")
    func notFiles() throws {
        try Support.withTemporaryDirectory { dir in
            let fifo = dir.appendingPathComponent("fifo").path
            try #require(mkfifo(fifo, 0o600) == 0)
            let cases = [(dir.path, "not a regular file (a directory)"), (fifo, "not a regular file (a FIFO)"),
                (dir.appendingPathComponent("missing").path, "cannot open: No such file or directory")]
            for (path, message) in cases {
                let error = #expect(throws: FileAccessError.self) { try TextFile.readBytes(path) }
                #expect(error?.message == message, "\(path)")
                #expect(error?.exceededLimit == false)
            }
        }
    }
}
