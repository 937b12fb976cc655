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
        guard !name.isEmpty, name.utf8.count < 256, let dot = name.lastIndex(of: ".") else { return nil }
        let stem = String(name[..<dot])
        let type = String(name[name.index(after: dot)...])
        let types: Set<String> = ["service", "socket", "mount", "swap", "target", "timer", "path", "slice", "scope",
            "device", "automount"]
        guard types.contains(type), !stem.isEmpty else { return nil }
        let allowed: (Character) -> Bool = {
            $0.isASCII && ($0.isLetter || $0.isNumber || ":-_.\\@".contains($0))
        }
        guard stem.allSatisfy(allowed) else { return nil }
        self.name = name
        self.stem = stem
        self.type = type
        if let at = stem.firstIndex(of: "@") {
            prefix = String(stem[..<at])
            instance = String(stem[stem.index(after: at)...])
            guard !prefix.isEmpty else { return nil }
        } else {
            prefix = stem
            instance = nil
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
    public var values: [Character: String]

    /// A context for a system unit, with the manager's user (root), directories and host facts.
    public init(unit: UnitName, fragmentPath: String, hostname: String = "localhost", machineID: String = "",
        bootID: String = "", architecture: String = "x86-64", kernelRelease: String = "")
    {
        self.unit = unit
        self.fragmentPath = fragmentPath
        let instance = unit.instance ?? ""
        let unescapedPrefix = UnitName.unescape(unit.prefix)
        let f = "/" + (instance.isEmpty ? unescapedPrefix : UnitName.unescape(instance))
            .drop(while: { $0 == "/" })
        var v: [Character: String] = [
            "n": unit.name, "N": unit.stem, "p": unit.prefix, "P": unescapedPrefix, "i": instance,
            "I": UnitName.unescape(instance), "f": String(f),
            "j": String(unit.prefix.split(separator: "-").last ?? ""), "u": "root", "U": "0", "g": "root", "G": "0",
            "h": "/root", "s": "/bin/sh", "t": "/run", "S": "/var/lib", "C": "/var/cache", "L": "/var/log",
            "E": "/etc", "D": "/usr/share", "T": "/tmp", "V": "/var/tmp", "H": hostname,
            "l": String(hostname.split(separator: ".").first ?? ""), "m": machineID, "b": bootID, "a": architecture,
            "v": kernelRelease, "y": fragmentPath, "d": "/run/credentials/\(unit.name)", "%": "%",
        ]
        v["J"] = UnitName.unescape(v["j"] ?? "")
        var dir = Substring(fragmentPath)
        if let slash = dir.lastIndex(of: "/") { dir = dir[..<slash] }
        v["Y"] = String(dir)
        values = v
    }

    /// Expands `%X` specifiers in `text`. Returns the text and the unknown specifiers found
    /// (with their 0-based character offsets), which systemd rejects.
    public func expand(_ text: String) -> (String, [(Character, Int)]) {
        var out = ""
        var unknown: [(Character, Int)] = []
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "%", i + 1 < chars.count {
                let c = chars[i + 1]
                if let v = values[c] {
                    out += v
                } else {
                    unknown.append((c, i))
                    out.append("%")
                    out.append(c)
                }
                i += 2
                continue
            }
            out.append(chars[i])
            i += 1
        }
        chars = []
        return (out, unknown)
    }
}
