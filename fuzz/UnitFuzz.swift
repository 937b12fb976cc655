// UnitFuzz.swift: libFuzzer target for the unit-file front end of `seccompose check`.
//
// Built by fuzz/build.sh (plain swiftc, -sanitize=fuzzer,address); not part of Package.swift.
// Nothing is written to disk: the unit is built in memory.
//
// Input: arbitrary bytes, decoded as UTF-8 (invalid sequences become U+FFFD).
//   - The first byte picks the systemd version: odd -> 252, even -> 262.
//   - NUL characters split the input into at most four files: the first is the fragment
//     `fuzz.service`, the others are drop-ins `fuzz.service.d/N.conf` parsed after it.
//   - The first line, if it is a valid unit name (e.g. `foo-bar@inst.service`), names the unit;
//     otherwise it is `fuzz.service`. The unit is checked with `UnitChecker.check` (reader,
//     ServiceDescription with specifiers and Exec*= prefixes, SystemCall*= settings, policy
//     build, lint, and the 252/262 comparison).
//   - Each line is also expanded with `SpecifierContext.expand` (for the named unit and for a
//     template instance), and each word of the first line goes through `UnitName(validating:)`.
//
// The memberwise initializers of LoadedUnit and UnitSource are internal (the structs are
// public, the initializers are not), so the module is imported @testable; build.sh compiles
// the library modules with -enable-testing for that.

@testable import SeccomposeSystemd
import SeccomposeSets
import SeccomposeSyscalls

let unitFuzzContexts: (v252: SystemdContext, v262: SystemdContext) = {
    do {
        return (try SystemdContext(version: .v252, native: .x86_64), try SystemdContext(version: .v262, native: .x86_64))
    } catch {
        fatalError("SystemdContext: \(error)")
    }
}()

let fallbackName = UnitName(validating: "fuzz.service")!
let templateInstance = UnitName(validating: "fuzz-a-b@x\\x2dy.service")!

/// Keeps results observable so the optimiser cannot drop the work.
nonisolated(unsafe) var unitFuzzSink = 0

@inline(never)
func touchName(_ n: UnitName) {
    precondition(n.name == n.stem + "." + n.type, "UnitName: name is not stem.type: \(n.name)")
    precondition(!n.prefix.isEmpty && n.name.utf8.count < 256, "UnitName: bad prefix or length: \(n.name)")
    precondition(n.stem.hasPrefix(n.prefix), "UnitName: prefix not at the start of the stem: \(n.name)")
    unitFuzzSink &+= n.stem.utf8.count &+ (n.instance?.utf8.count ?? -1) &+ (n.isTemplate ? 1 : 0)
    if let t = n.template {
        precondition(t.isTemplate && t.prefix == n.prefix && t.type == n.type, "UnitName: bad template of \(n.name)")
        unitFuzzSink &+= t.name.utf8.count
    }
    for p in n.dashPrefixes {
        precondition(p.hasSuffix("-") && n.prefix.hasPrefix(p) && p.count < n.prefix.count,
            "UnitName: bad dash prefix \(p) of \(n.name)")
        unitFuzzSink &+= p.utf8.count
    }
    unitFuzzSink &+= UnitName.unescape(n.prefix).utf8.count &+ UnitName.unescape(n.instance ?? "").utf8.count
}

@inline(never)
func expandAll(_ lines: [Substring], with context: SpecifierContext) {
    for line in lines {
        let text = String(line)
        let (out, unknown) = context.expand(text)
        if !unknown.isEmpty {
            // Counted only when needed: counting Characters is a pass of grapheme breaking.
            let n = text.count
            var last = -1
            for (c, offset) in unknown {
                precondition(offset >= 0 && offset < n && offset > last, "expand: bad offset \(offset) in \(n) characters")
                last = offset
                unitFuzzSink &+= Int(c.unicodeScalars.first!.value)
            }
        }
        // Without any '%', expansion is the identity: checked the other way round, a text the
        // expansion changed must have a '%' Character, so the '%' is looked for only in changed
        // texts (an unchanged one passes whatever it holds; `expand` hands back the very String
        // when it has no '%' byte, so the comparison is of one buffer with itself).
        // `ByteSearch.hasCharacter` is whether there is a '%' Character (`firstCharacter(…) != nil`:
        // no '%' byte: none; in an ASCII text: a '%' byte; otherwise a '%' byte that is a Character
        // of its own, each looked at in place instead of breaking the whole text into Characters).
        if out != text {
            precondition(ByteSearch.hasCharacter(UInt8(ascii: "%"), in: text), "expand changed text without '%'")
        }
        unitFuzzSink &+= out.utf8.count
    }
}

/// `text.split(separator: "\n", maxSplits:, omittingEmptySubsequences: false)` (Characters) by
/// bytes: an LF is a Character of its own except in CR LF (grapheme breaking always breaks after
/// LF, and before it except after CR), so the Character split splits at every LF byte not after
/// a CR, and so does this.
func characterLines(_ text: String, maxSplits: Int) -> [Substring] {
    // The LFs split at, as offsets, found with memchr in the text's own buffer (no Substring per
    // search); then the lines between them.
    let cuts = text.utf8.withContiguousStorageIfAvailable { buffer -> [Int] in
        var cuts: [Int] = []
        var from = 0
        while cuts.count < maxSplits, let at = ByteSearch.firstOffset(of: UInt8(ascii: "\n"), in: buffer, from: from) {
            if at == 0 || buffer[at - 1] != UInt8(ascii: "\r") { cuts.append(at) }
            from = at + 1
        }
        return cuts
    }
    guard let cuts else { return characterLinesBySubstring(text, maxSplits: maxSplits) }
    let utf8 = text.utf8
    var lines: [Substring] = []
    var start = utf8.startIndex
    for at in cuts {
        let i = utf8.index(utf8.startIndex, offsetBy: at)
        lines.append(text[start..<i])
        start = utf8.index(after: i)
    }
    lines.append(text[start...])
    return lines
}

/// `characterLines` searching each rest of the text as a Substring (for a text without contiguous UTF-8).
func characterLinesBySubstring(_ text: String, maxSplits: Int) -> [Substring] {
    var lines: [Substring] = []
    let utf8 = text.utf8
    var start = utf8.startIndex
    // LF to LF with memchr (not instrumented: a byte loop here costs a traced comparison a byte).
    var from = 0
    while lines.count < maxSplits, let offset = ByteSearch.firstOffset(of: UInt8(ascii: "\n"), in: text[utf8.index(utf8.startIndex, offsetBy: from)...]) {
        let at = from + offset
        let i = utf8.index(utf8.startIndex, offsetBy: at)
        if at == 0 || utf8[utf8.index(before: i)] != UInt8(ascii: "\r") {
            lines.append(text[start..<i])
            start = utf8.index(after: i)
        }
        from = at + 1
    }
    lines.append(text[start...])
    return lines
}

/// `text.unicodeScalars.split(separator: "\0", maxSplits: 3, omittingEmptySubsequences: false)`,
/// each part as a String, by bytes: U+0000 is the byte 0 in UTF-8, which no other scalar contains,
/// so the scalar split splits at the first three 0 bytes, found with memchr.
func nulParts(_ text: String) -> [String] {
    var parts: [String] = []
    let utf8 = text.utf8
    var start = utf8.startIndex
    var from = 0
    while parts.count < 3, let offset = ByteSearch.firstOffset(of: 0, in: text[utf8.index(utf8.startIndex, offsetBy: from)...]) {
        let at = from + offset
        let i = utf8.index(utf8.startIndex, offsetBy: at)
        parts.append(String(text[start..<i]))
        start = utf8.index(after: i)
        from = at + 1
    }
    parts.append(String(text[start...]))
    return parts
}

/// `String(Substring(text.unicodeScalars.prefix { $0 != "\n" && $0 != "\r" && $0 != "\0" }))`, by
/// bytes: U+000A, U+000D and U+0000 are the bytes 0A, 0D and 00 in UTF-8, which no other scalar
/// contains, so the scalars before the first of them are the bytes before the first of these bytes
/// (each found with memchr).
func firstLine(_ text: String) -> String {
    let whole = Substring(text)
    var end = text.utf8.count
    for byte in [UInt8(0x0A), 0x0D, 0x00] {
        if let offset = ByteSearch.firstOffset(of: byte, in: whole), offset < end { end = offset }
    }
    return String(text[..<text.utf8.index(text.utf8.startIndex, offsetBy: end)])
}

/// `line.split(whereSeparator: { $0 == " " || $0 == "\t" }).prefix(16)` (Characters), each word as a
/// String: `ByteSearch.words` finds the space and tab bytes with memchr and looks at a non-ASCII
/// line's ones in place (is each a Character of its own?) instead of breaking the whole line into
/// Characters.
func firstLineWords(_ line: String) -> [String] {
    ByteSearch.words(line, separatedBy: 0x20, 0x09, limit: 16)
}

@inline(never)
func touchReport(_ report: CheckReport) {
    precondition(report.errorCount + report.warningCount + report.noteCount == report.findings.count,
        "CheckReport: counts do not add up")
    // Each finding read where it lies in the array (`for d in` copies every finding, its eight
    // Strings retained and released).
    let findings = report.findings
    for i in findings.indices {
        precondition(findings[i].line >= 1 && findings[i].column >= 1,
            "finding at \(findings[i].line):\(findings[i].column): \(findings[i].code)")
        precondition(!findings[i].code.isEmpty && !findings[i].message.isEmpty, "finding without code or message")
        unitFuzzSink &+= findings[i].description.utf8.count &+ findings[i].line &+ findings[i].column
    }
    if let p = report.policy {
        unitFuzzSink &+= p.syscalls.count &+ p.architectures.count
    }
    unitFuzzSink &+= report.files.count
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    let ctx = (bytes.first ?? 0) & 1 == 1 ? unitFuzzContexts.v252 : unitFuzzContexts.v262

    // Split into the fragment and up to three drop-ins on U+0000.
    let parts = nulParts(text)

    // The first line, if it is a valid unit name, names the unit.
    let candidate = firstLine(text)
    var name = fallbackName
    if let n = UnitName(validating: candidate) {
        touchName(n)
        name = n
    }
    // Every word of the first line as a unit name.
    for word in firstLineWords(candidate) {
        if let n = UnitName(validating: word) { touchName(n) }
    }

    var sources = [UnitSource(path: "fuzz.service", text: parts.first ?? "", isDropIn: false)]
    for (i, p) in parts.dropFirst().enumerated() {
        sources.append(UnitSource(path: "fuzz.service.d/\(i + 10).conf", text: p, isDropIn: true))
    }

    // The brief's unit: fuzz.service, one fragment.
    let plain = LoadedUnit(name: fallbackName, sources: [UnitSource(path: "fuzz.service", text: text, isDropIn: false)],
        masked: false)
    touchReport(UnitChecker.check(plain, context: ctx))
    // The named unit with its drop-ins.
    if name != fallbackName || sources.count > 1 {
        touchReport(UnitChecker.check(LoadedUnit(name: name, sources: sources, masked: false), context: ctx))
    }
    if size == 1 {
        touchReport(UnitChecker.check(LoadedUnit(name: name, sources: [], masked: true), context: ctx))
    }

    // Specifiers, line by line, for the named unit and for an escaped template instance.
    let lines = characterLines(text, maxSplits: 64)
    expandAll(lines, with: SpecifierContext(unit: name, fragmentPath: "/etc/systemd/system/" + name.name))
    expandAll(Array(lines.prefix(8)), with: SpecifierContext(unit: templateInstance, fragmentPath: candidate))
    return 0
}
