// UnitName.swift: unit names, templates and instances, and the specifiers systemd expands.

/// A unit name such as `foo.service`, `foo@.service` (a template) or `foo@bar.service`.
public struct UnitName: Sendable, Hashable, CustomStringConvertible {
    /// The whole name.
    public var name: String
    /// The part before the type suffix's dot (`foo@bar`).
    public var stem: String
    /// The type suffix without the dot (`service`).
    public var type: String
    /// The prefix: the part before the first `@`, or the stem.
    public var prefix: String
    /// The instance for `foo@bar.service` (`bar`), "" for a template, nil for a plain unit.
    public var instance: String?

    public var description: String { name }

    /// Whether this is a template (`foo@.service`).
    public var isTemplate: Bool { instance == "" }

    /// The template of an instance (`foo@bar.service` → `foo@.service`).
    public var template: UnitName? {
        guard let instance, !instance.isEmpty else { return nil }
        return UnitName(validating: "\(prefix)@.\(type)")
    }

    /// Parses and validates a unit name (letters, digits, `:-_.\` and `@`; shorter than 256
    /// bytes; a known type suffix). Nil when invalid.
    public init?(validating name: String) {
        // Every valid name is ASCII: each Character of the stem must be an ASCII one, and the type
        // one of `types`; a non-ASCII scalar makes its Character non-ASCII wherever it is (no
        // Character equal to "." holds one). In ASCII every byte is a Character of its own but CR
        // LF, which is no allowed Character (and neither CR nor LF an allowed byte): the checks
        // work on the bytes.
        guard !name.isEmpty, name.utf8.count < 256, ByteSearch.isASCII(name),
            let dot = name.utf8.lastIndex(of: UInt8(ascii: "."))
        else { return nil }
        let stem = String(name[..<dot])
        let type = String(name[name.utf8.index(after: dot)...])
        guard Self.types.contains(type), !stem.isEmpty else { return nil }
        guard stem.utf8.allSatisfy(Self.allowedByte) else { return nil }
        self.name = name
        self.stem = stem
        self.type = type
        if let at = stem.utf8.firstIndex(of: UInt8(ascii: "@")) {
            prefix = String(stem[..<at])
            instance = String(stem[stem.utf8.index(after: at)...])
            guard !prefix.isEmpty else { return nil }
        } else {
            prefix = stem
            instance = nil
        }
    }

    /// The unit types (the suffix after the last dot).
    static let types: Set<String> = ["service", "socket", "mount", "swap", "target", "timer", "path", "slice", "scope",
        "device", "automount"]

    /// An ASCII letter or digit, or one of `:-_.\@`: the bytes of a valid stem.
    static func allowedByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "@"):
            return true
        default:
            return false
        }
    }

    /// The prefixes systemd searches for drop-ins: `foo-bar-baz` gives `foo-bar-` and `foo-`
    /// (most specific first).
    public var dashPrefixes: [String] {
        var out: [String] = []
        var p = Substring(prefix)
        while let dash = p.dropLast().lastIndex(of: "-") {
            p = p[...dash]
            out.append(String(p))
            p = p.dropLast()
        }
        return out
    }

    /// systemd's `unit_name_unescape`: `\xNN` sequences become bytes; `-` becomes `/`.
    public static func unescape(_ s: String) -> String {
        // Without a '-' or '\\' byte every byte is copied as it is: the same String (looked for
        // with memchr; the byte loop costs traced comparisons a byte in the fuzz builds).
        if !ByteSearch.contains(s, UInt8(ascii: "-")), !ByteSearch.contains(s, UInt8(ascii: "\\")) { return s }
        return unescapeBytes(s)
    }

    /// `unescape` byte by byte, whatever the text holds (the tests compare the two).
    static func unescapeBytes(_ s: String) -> String {
        var bytes: [UInt8] = []
        let u = Array(s.utf8)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "-") {
                bytes.append(UInt8(ascii: "/"))
                i += 1
            } else if u[i] == UInt8(ascii: "\\"), i + 3 < u.count, u[i + 1] == UInt8(ascii: "x"),
                let v = UInt8(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self), radix: 16)
            {
                bytes.append(v)
                i += 4
            } else {
                bytes.append(u[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The values specifiers expand to (systemd.unit(5) "Specifiers"), for one unit.
public struct SpecifierContext: Sendable {
    public var unit: UnitName
    /// The fragment's path (`%y`).
    public var fragmentPath: String
    /// The host facts (`%H`, `%m`, `%b`, `%a`, `%v`).
    var hostname: String, machineID: String, bootID: String, architecture: String, kernelRelease: String

    /// The specifier letters, in systemd.unit(5)'s order.
    static let letters: [Character] = ["n", "N", "p", "P", "i", "I", "f", "j", "J", "u", "U", "g", "G", "h", "s", "t",
        "S", "C", "L", "E", "D", "T", "V", "H", "l", "m", "b", "a", "v", "y", "Y", "d", "%"]

    /// Every specifier's value, by letter (each worked out when asked for: most values are never
    /// expanded).
    public var values: [Character: String] {
        var v: [Character: String] = [:]
        for c in Self.letters { v[c] = value(of: c) }
        return v
    }

    /// A context for a system unit, with the manager's user (root), directories and host facts.
    public init(unit: UnitName, fragmentPath: String, hostname: String = "localhost", machineID: String = "",
        bootID: String = "", architecture: String = "x86-64", kernelRelease: String = "")
    {
        self.unit = unit
        self.fragmentPath = fragmentPath
        self.hostname = hostname
        self.machineID = machineID
        self.bootID = bootID
        self.architecture = architecture
        self.kernelRelease = kernelRelease
    }

    /// The value of specifier `%c`, or nil when `c` is no specifier.
    public func value(of c: Character) -> String? {
        // Every specifier letter (and '%') is one ASCII scalar, and no other Character equals one
        // of them (no scalar or sequence is canonically equivalent to these letters; tested over
        // every scalar): a Character of more than one byte is no specifier, and the others are
        // told apart by their byte, without comparing Characters case by case.
        guard c.utf8.count == 1, let byte = c.utf8.first else { return nil }
        return value(ofASCII: byte)
    }

    /// `value(of:)` of the Character that is the one byte `byte`.
    func value(ofASCII byte: UInt8) -> String? {
        let c = Unicode.Scalar(byte)
        switch c {
        case "n": return unit.name
        case "N": return unit.stem
        case "p": return unit.prefix
        case "P": return UnitName.unescape(unit.prefix)
        case "i": return unit.instance ?? ""
        case "I": return UnitName.unescape(unit.instance ?? "")
        case "f":
            let instance = unit.instance ?? ""
            let f = "/" + (instance.isEmpty ? UnitName.unescape(unit.prefix) : UnitName.unescape(instance))
                .drop(while: { $0 == "/" })
            return String(f)
        case "j": return Self.lastComponent(unit.prefix, separator: UInt8(ascii: "-"))
        case "J": return UnitName.unescape(Self.lastComponent(unit.prefix, separator: UInt8(ascii: "-")))
        case "u", "g": return "root"
        case "U", "G": return "0"
        case "h": return "/root"
        case "s": return "/bin/sh"
        case "t": return "/run"
        case "S": return "/var/lib"
        case "C": return "/var/cache"
        case "L": return "/var/log"
        case "E": return "/etc"
        case "D": return "/usr/share"
        case "T": return "/tmp"
        case "V": return "/var/tmp"
        case "H": return hostname
        case "l": return String(hostname.split(separator: ".").first ?? "")
        case "m": return machineID
        case "b": return bootID
        case "a": return architecture
        case "v": return kernelRelease
        case "y": return fragmentPath
        case "Y": return Self.directory(of: fragmentPath)
        case "d": return "/run/credentials/\(unit.name)"
        case "%": return "%"
        default: return nil
        }
    }

    /// `String(text.split(separator: Character(Unicode.Scalar(separator))).last ?? "")`: the last
    /// non-empty part between separators. On the bytes when `text` is ASCII (a unit name's prefix
    /// always is): there every byte but a CR before an LF is a Character of its own, and the
    /// separator ('-') is neither, so the separator Characters are the separator bytes.
    static func lastComponent(_ text: String, separator: UInt8) -> String {
        if ByteSearch.isASCII(text), let part = text.utf8.withContiguousStorageIfAvailable({ b -> String in
            var end = b.count
            while end > 0, b[end - 1] == separator { end -= 1 }
            var start = end
            while start > 0, b[start - 1] != separator { start -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
        }) {
            return part
        }
        return String(text.split(separator: Character(Unicode.Scalar(separator))).last ?? "")
    }

    /// `%Y`: `path` up to its last '/' Character (all of it without one). In ASCII the last '/' byte
    /// is the last '/' Character (found with memchr from one '/' to the next); other text takes the
    /// Character search.
    static func directory(of path: String) -> String {
        if ByteSearch.isASCII(path), let cut = path.utf8.withContiguousStorageIfAvailable({ b -> Int? in
            ByteSearch.lastOffset(of: UInt8(ascii: "/"), in: b)
        }) {
            guard let cut else { return path }
            return String(path[..<path.utf8.index(path.utf8.startIndex, offsetBy: cut)])
        }
        var dir = Substring(path)
        if let slash = dir.lastIndex(of: "/") { dir = dir[..<slash] }
        return String(dir)
    }

    /// Expands `%X` specifiers in `text`. Returns the text and the unknown specifiers found
    /// (with their 0-based character offsets), which systemd rejects.
    public func expand(_ text: String) -> (String, [(Character, Int)]) {
        // Most values have no specifier at all.
        guard ByteSearch.contains(text, UInt8(ascii: "%")) else { return (text, []) }
        // ASCII without CR: every byte is a Character (CR LF is the only ASCII pair that is one).
        if ByteSearch.isASCII(text), !ByteSearch.contains(text, 0x0D),
            let done = text.utf8.withContiguousStorageIfAvailable({ expandASCII($0) })
        {
            return done
        }
        return expandCharacters(text)
    }

    /// `expand` of any text: the result of expanding it Character by Character (the tests'
    /// `expandCharacterArray`), going from one `%` byte to the next (memchr) instead of through
    /// every Character. A `%` byte is where a Character reading sees a `%` Character only if it
    /// starts a Character (it may follow a prepended scalar in the same Character) and that
    /// Character is the byte alone (no mark extends it): no other Character equals "%". The text
    /// between the specifiers is copied as it is (the same scalars as its Characters appended one
    /// by one), and Characters are counted only up to an unknown specifier.
    func expandCharacters(_ text: String) -> (String, [(Character, Int)]) {
        let percents: [Int] = text.utf8.withContiguousStorageIfAvailable { bytes in
            var found: [Int] = []
            var from = 0
            while let p = ByteSearch.firstOffset(of: UInt8(ascii: "%"), in: bytes, from: from) {
                found.append(p)
                from = p + 1
            }
            return found
        } ?? text.utf8.indices.filter { text.utf8[$0] == UInt8(ascii: "%") }.map { text.utf8.distance(from: text.utf8.startIndex, to: $0) }
        var out = ""
        var unknown: [(Character, Int)] = []
        let utf8 = text.utf8
        var copied = text.startIndex  // a Character boundary: everything before it is in `out`
        var skipBefore = 0  // `%` bytes before this offset are inside a specifier already read
        var counted = (index: text.startIndex, characters: 0)  // Characters before `index`
        for p in percents where p >= skipBefore {
            let percent = utf8.index(utf8.startIndex, offsetBy: p)
            // A `%` Character: a Character boundary, with the next one right after the byte.
            guard percent.samePosition(in: text) != nil else { continue }
            let letter = text.index(after: percent)
            guard letter == utf8.index(after: percent) else { continue }
            // A `%` as the last Character is copied as it is.
            guard letter < text.endIndex else { break }
            let next = text.index(after: letter)
            let c = text[letter]
            out += text[copied..<percent]
            if let v = value(of: c) {
                out += v
            } else {
                counted = (percent, counted.characters + text.distance(from: counted.index, to: percent))
                unknown.append((c, counted.characters))
                out.append("%")
                out.append(c)
            }
            copied = next
            skipBefore = utf8.distance(from: utf8.startIndex, to: next)
        }
        out += text[copied...]
        return (out, unknown)
    }

    /// `expand` of ASCII text without CR, on its bytes: a Character is a byte there, so the
    /// Character offsets are byte offsets; the `%`s are found with memchr and the text between
    /// them is copied as it is.
    func expandASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, [(Character, Int)]) {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var unknown: [(Character, Int)] = []
        var copied = 0
        while let p = ByteSearch.firstOffset(of: UInt8(ascii: "%"), in: bytes, from: copied), p + 1 < bytes.count {
            out.append(contentsOf: bytes[copied..<p])
            if let v = value(ofASCII: bytes[p + 1]) {
                out.append(contentsOf: v.utf8)
            } else {
                unknown.append((Character(Unicode.Scalar(bytes[p + 1])), p))
                out.append(UInt8(ascii: "%"))
                out.append(bytes[p + 1])
            }
            copied = p + 2
        }
        out.append(contentsOf: bytes[copied...])
        return (String(decoding: out, as: UTF8.self), unknown)
    }
}
