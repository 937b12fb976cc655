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

    /// The Character split `TextFile.split(_:at:)` stands for.
    static func characterSplit(_ text: String, _ separator: Character) -> [String] {
        text.split(separator: separator).map(String.init)
    }

    @Test("split at LF or tab: the Character split's pieces on random texts (CR LF, marks after the separator, non-ASCII, empty pieces)")
    func splitLikeCharacters() {
        var rng = SystemRandomNumberGenerator()
        let pieces = ["a", "b", "\n", "\t", "\r", "\r\n", "\n\n", "\u{301}", "\u{E9}", "#", " ", "\u{1F600}", "\u{200D}"]
        for _ in 0..<3000 {
            let text = (0..<Int.random(in: 0...16, using: &rng)).map { _ in pieces.randomElement(using: &rng) ?? "" }.joined()
            #expect(TextFile.split(text, at: 0x0A) == Self.characterSplit(text, "\n"), "\(Array(text.unicodeScalars))")
            #expect(TextFile.split(text, at: 0x09) == Self.characterSplit(text, "\t"), "\(Array(text.unicodeScalars))")
        }
    }

    @Test("split at LF: the embedded errno table's lines and fields as the Character split reads them")
    func splitEmbeddedTable() {
        let lines = TextFile.split(ErrnoTable.embeddedTSV, at: 0x0A)
        #expect(lines == Self.characterSplit(ErrnoTable.embeddedTSV, "\n") && lines.count > 100)
        for line in lines { #expect(TextFile.split(line, at: 0x09) == Self.characterSplit(line, "\t"), "\(line)") }
    }
}
