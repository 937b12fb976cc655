// ExpressionFuzz.swift: libFuzzer target for the SystemCall*= expression front end.
//
// Built by fuzz/build.sh (plain swiftc, -sanitize=fuzzer,address); not part of Package.swift.
//
// Input: arbitrary bytes, decoded as UTF-8 (invalid sequences become U+FFFD).
//   - The first byte picks the systemd version: odd -> 252, even -> 262.
//   - Each line is one setting value. Its first character picks the setting when it is a
//     selector followed by '=': `F=` SystemCallFilter, `E=` SystemCallErrorNumber,
//     `A=` SystemCallArchitectures, `L=` SystemCallLog. Any other line is a
//     SystemCallFilter= value as a whole, so plain expressions (`~@privileged:EPERM`) work
//     as seeds unchanged.
//   - The whole text is also read as a unit file, as a sets/*.set file, and word-split.

import SeccomposeSets
import SeccomposeSyscalls
@testable import SeccomposeSystemd  // ByteSearch (internal) for the invariant checks' fast paths

/// Built once: the built-in catalogs are parsed from embedded data (a failure is a build
/// defect, so it traps here rather than being hidden).
let fuzzContexts: (v252: SystemdContext, v262: SystemdContext) = {
    do {
        return (try SystemdContext(version: .v252, native: .x86_64), try SystemdContext(version: .v262, native: .x86_64))
    } catch {
        fatalError("SystemdContext: \(error)")
    }
}()

/// Keeps results observable so the optimiser cannot drop the work.
nonisolated(unsafe) var fuzzSink = 0

@inline(never)
func touch(_ diags: [Diagnostic]) {
    for d in diags { fuzzSink &+= d.description.utf8.count &+ d.column &+ d.line }
}

@inline(never)
func touch(_ settings: SystemCallSettings) {
    fuzzSink &+= settings.filter.count &+ settings.log.count &+ settings.architectures.count
    do throws(PolicyBuildError) {
        let r = try SystemdPolicyBuilder.build(settings)
        fuzzSink &+= r.policy.syscalls.count &+ r.policy.architectures.count &+ r.diagnostics.count
        // Every decision is looked at (formatting each origin would cost more than the build).
        for (name, decision) in r.policy.syscalls {
            fuzzSink &+= name.utf8.count &+ (decision.origin.map { $0.line &+ $0.column &+ $0.text.utf8.count } ?? 0)
        }
        fuzzSink &+= String(describing: r.policy.defaultAction).utf8.count
        touch(r.diagnostics)
    } catch {
        fuzzSink &+= error.description.utf8.count
    }
}

/// Strips what the unit parser strips around a value.
func trimmed(_ s: Substring) -> String {
    // An ASCII slice without LF has one Character per byte: the same trimming on the bytes.
    if s.utf8.withContiguousStorageIfAvailable({ ByteSearch.isASCII(UnsafeRawBufferPointer($0)) }) == true {
        let ws: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard let first = s.utf8.firstIndex(where: { !ws($0) }), let last = s.utf8.lastIndex(where: { !ws($0) }) else { return "" }
        return String(s[first...last])
    }
    let ws: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = s.firstIndex(where: { !ws($0) }), let last = s.lastIndex(where: { !ws($0) }) else { return "" }
    return String(s[first...last])
}

/// `text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)` as Substrings, by
/// bytes: U+000A is the byte 0A in UTF-8, which no other scalar contains; found with memchr.
func scalarLines(_ text: String) -> [Substring] {
    var lines: [Substring] = []
    let utf8 = text.utf8
    var start = utf8.startIndex
    var from = 0
    while let offset = ByteSearch.firstOffset(of: 0x0A, in: text[utf8.index(utf8.startIndex, offsetBy: from)...]) {
        let at = from + offset
        let i = utf8.index(utf8.startIndex, offsetBy: at)
        lines.append(text[start..<i])
        start = utf8.index(after: i)
        from = at + 1
    }
    lines.append(text[start...])
    return lines
}

/// `text.unicodeScalars.count`, on the bytes: a String's UTF-8 is valid, and valid UTF-8 has one
/// byte per scalar that is not a continuation byte (`WordSplitter.scalarCount`).
func scalarCount(_ text: String) -> Int {
    text.utf8.withContiguousStorageIfAvailable { WordSplitter.scalarCount($0) } ?? text.unicodeScalars.count
}

/// The setting a line stands for (`F`, `E`, `A` or `L`) and its value, trimmed as the unit parser
/// trims it: a line starting with one of those Characters and `=` is that setting's value without
/// the two; any other line is a SystemCallFilter= value as a whole.
func setting(of line: Substring) -> (selector: Character, value: String) {
    var value = line
    var selector: Character = "F"
    // The first two Characters only (counting the whole line would cost a pass over it).
    if let c = line.first, line.dropFirst().first == "=", "FEAL".contains(c) {
        selector = c
        value = line.dropFirst(2)
    }
    return (selector, trimmed(value))
}

/// `scalarLines(text).map(setting(of:))`, with each ASCII line read on its bytes: a line holds no
/// LF, so in an ASCII line (no CR LF pair either) every byte is a Character of its own; the
/// selector is then its first two bytes, and `trimmed` drops the bytes `ByteSearch.isSpace`
/// matches (space, tab, LF, CR), the same four. The lines are found with memchr (U+000A is the
/// byte 0A); other lines go through `setting(of:)`.
func settingLines(_ text: String) -> [(selector: Character, value: String)] {
    let byBytes = text.utf8.withContiguousStorageIfAvailable { buffer -> [(selector: Character, value: String)] in
        var out: [(selector: Character, value: String)] = []
        var start = 0
        while true {
            let end = ByteSearch.firstOffset(of: 0x0A, in: buffer, from: start) ?? buffer.count
            let line = UnsafeBufferPointer(rebasing: buffer[start..<end])
            if ByteSearch.isASCII(UnsafeRawBufferPointer(line)) {
                var from = 0
                var selector: Character = "F"
                if line.count >= 2, line[1] == UInt8(ascii: "=") {
                    switch line[0] {
                    case UInt8(ascii: "F"), UInt8(ascii: "E"), UInt8(ascii: "A"), UInt8(ascii: "L"):
                        selector = Character(Unicode.Scalar(line[0]))
                        from = 2
                    default: break
                    }
                }
                var last = line.count
                while from < last, ByteSearch.isSpace(line[from]) { from += 1 }
                while last > from, ByteSearch.isSpace(line[last - 1]) { last -= 1 }
                out.append((selector, String(decoding: UnsafeBufferPointer(rebasing: line[from..<last]), as: UTF8.self)))
            } else {
                let utf8 = text.utf8
                out.append(setting(of: text[utf8.index(utf8.startIndex, offsetBy: start)..<utf8.index(utf8.startIndex, offsetBy: end)]))
            }
            if end == buffer.count { return out }
            start = end + 1
        }
    }
    return byBytes ?? scalarLines(text).map(setting(of:))
}

/// Invariants of WordSplitter that hold for any input. `ascii`: whether `text` is ASCII (then so is
/// every raw word, a part of it).
func checkSplit(_ text: String, scalarCount n: Int, ascii: Bool, unquote: Bool) {
    let r = WordSplitter.split(text, unquote: unquote)
    var lastColumn = 0
    for w in r.words {
        precondition(!w.raw.isEmpty, "WordSplitter: empty raw word")
        precondition(w.column >= 1 && w.column <= n && w.column > lastColumn, "WordSplitter: bad column \(w.column)")
        // Scalars are counted only when the bytes do not settle it: the text has at most as many
        // scalars as bytes, and an ASCII raw word as many scalars as bytes.
        if !(w.text.utf8.count <= w.raw.utf8.count && (ascii || ByteSearch.isASCII(w.raw))) {
            precondition(scalarCount(w.text) <= scalarCount(w.raw), "WordSplitter: text longer than raw")
        }
        lastColumn = w.column
        fuzzSink &+= w.text.utf8.count
    }
    if let c = r.errorColumn {
        precondition(c >= 1 && c <= n && c > lastColumn, "WordSplitter: bad error column \(c)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    let ctx = (bytes.first ?? 0) & 1 == 1 ? fuzzContexts.v252 : fuzzContexts.v262

    // 1. Line by line through the four apply… methods.
    var s = SystemCallSettings(context: ctx)
    // Split on U+000A scalars: a Character split would keep "\r\n" (one grapheme) inside a line.
    for (i, (selector, v)) in settingLines(text).enumerated() {
        let source = ValueSource(file: "fuzz", line: i + 1, valueColumn: 1)
        switch selector {
        case "E": touch(s.applyErrorNumber(v, source: source))
        case "A": touch(s.applyArchitectures(v, source: source))
        case "L": touch(s.applyLog(v, source: source))
        default: touch(s.applyFilter(v, source: source))
        }
    }
    touch(s)

    // 2. As a unit file.
    let (assignments, readerDiags) = UnitSettingsReader.assignments(of: text, file: "fuzz.service")
    touch(readerDiags)
    var s2 = SystemCallSettings(context: ctx)
    for a in assignments {
        fuzzSink &+= a.key.utf8.count &+ a.section.utf8.count &+ a.source.valueColumn
        touch(s2.apply(a))
    }
    touch(s2)

    // 3. As a set file.
    do throws(SetFileError) {
        let d = try SetFileParser.parse(text, groupName: "fuzz", file: "fuzz.set")
        fuzzSink &+= d.members.count &+ d.description.utf8.count
        fuzzSink &+= SetFileParser.isCanonicallyOrdered(d.members.map(\.name)) ? 1 : 0
        for m in d.members { fuzzSink &+= m.belongs(to: ctx.version.rawValue) ? 1 : 0 }
    } catch {
        fuzzSink &+= error.description.utf8.count
    }

    // 4. The word splitter, both ways.
    // Once for both (a pass over the text; an ASCII text has as many scalars as bytes).
    let ascii = ByteSearch.isASCII(text)
    let scalars = ascii ? text.utf8.count : scalarCount(text)
    checkSplit(text, scalarCount: scalars, ascii: ascii, unquote: true)
    checkSplit(text, scalarCount: scalars, ascii: ascii, unquote: false)
    return 0
}
