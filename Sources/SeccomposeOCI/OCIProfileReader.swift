// OCIProfileReader.swift: a byte-level reader for the common shape of an OCI profile.
//
// Foundation's JSONDecoder costs about 7 µs per rule (generic containers, coding paths, boxed
// keys): at a thousand argument rules it took longer than the rest of the import and the
// compile together. This reader parses RFC 8259 JSON from bytes into the same `OCIProfile`, but
// only claims the inputs it is sure JSONDecoder reads the same way: integers written as plain
// digits, strings of valid UTF-8 with the standard escapes, no key twice in one object, every
// field of the type the profile's Decodable conformance asks for. Anything else (a fraction or
// exponent, a type mismatch, a missing field, invalid JSON, a byte-order mark) returns nil and
// the importer asks JSONDecoder, which decides and words the error exactly as before.
// Unknown keys are skipped, as the synthesized Decodable skips them.
// `OCIProfileReaderTests` checks both readers agree on profiles and on many broken ones.

import SeccomposePolicy

/// Reads an OCI profile from JSON bytes when the text is in the shape it knows (see above).
enum OCIProfileReader {
    /// A JSON value, as far as a profile needs one.
    indirect enum Value {
        case object([(key: String, value: Value)])
        case array([Value])
        case string(String)
        /// An integer written as digits (with `-` for a negative one), as its magnitude.
        case integer(negative: Bool, magnitude: UInt64)
        case null
        /// `true`/`false`: no profile field takes one.
        case boolean
        /// Any other number (a fraction, an exponent, beyond 64 bits), as written; only a
        /// `Parser` made with `generalNumbers` gives one.
        case number(String)
    }

    /// The profile, or nil where JSONDecoder must decide.
    static func read(_ json: [UInt8]) -> OCIProfile? { readWithRuleOffsets(json)?.profile }

    /// The profile and the byte offset where each element of its `syscalls` array starts, or
    /// nil where JSONDecoder must decide.
    static func readWithRuleOffsets(_ json: [UInt8]) -> (profile: OCIProfile, ruleOffsets: [Int])? {
        json.withUnsafeBufferPointer { bytes -> (OCIProfile, [Int])? in
            var parser = Parser(bytes: bytes)
            guard let value = parser.document(), let p = profile(value) else { return nil }
            return (p, parser.ruleOffsets)
        }
    }

    // MARK: JSON text

    struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0
        /// Nesting left: a deeply nested text is left to JSONDecoder.
        var depth = 64
        /// Where the elements of the top-level `syscalls` array start.
        var ruleOffsets: [Int] = []
        /// The next array is the top-level `syscalls` array.
        var nextArrayIsRules = false
        /// Read every RFC 8259 number (`.number` for those not plain 64-bit integers) and let a
        /// repeated key stand (the last one counts): for judging numbers, not for decoding.
        let generalNumbers: Bool

        init(bytes: UnsafeBufferPointer<UInt8>, generalNumbers: Bool = false) {
            self.bytes = bytes
            self.generalNumbers = generalNumbers
        }

        mutating func document() -> Value? {
            skipSpace()
            guard let v = value() else { return nil }
            skipSpace()
            return at == bytes.count ? v : nil
        }

        mutating func skipSpace() {
            while at < bytes.count {
                switch bytes[at] {
                case 0x20, 0x09, 0x0A, 0x0D: at += 1
                default: return
                }
            }
        }

        mutating func value() -> Value? {
            guard at < bytes.count else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "{"): return object()
            case UInt8(ascii: "["): return array()
            case UInt8(ascii: "\""): return string().map(Value.string)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return integer()
            case UInt8(ascii: "n"): return literal("null") ? .null : nil
            case UInt8(ascii: "t"): return literal("true") ? .boolean : nil
            case UInt8(ascii: "f"): return literal("false") ? .boolean : nil
            default: return nil
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard at + n <= bytes.count else { return false }
            for i in 0..<n where bytes[at + i] != word.utf8Start[i] { return false }
            at += n
            return true
        }

        mutating func object() -> Value? {
            var members: [(key: String, value: Value)] = []
            let ok = sequence(closedBy: UInt8(ascii: "}")) { p in
                guard p.at < p.bytes.count, p.bytes[p.at] == UInt8(ascii: "\""), let key = p.string() else { return false }
                // A key given twice: which one JSONDecoder keeps is its business.
                guard p.generalNumbers || !members.contains(where: { $0.key == key }) else { return false }
                p.skipSpace()
                guard p.at < p.bytes.count, p.bytes[p.at] == UInt8(ascii: ":") else { return false }
                p.at += 1
                p.skipSpace()
                p.nextArrayIsRules = p.depth == 63 && key == "syscalls"
                guard let v = p.value() else { return false }
                p.nextArrayIsRules = false
                members.append((key, v))
                return true
            }
            return ok ? .object(members) : nil
        }

        mutating func array() -> Value? {
            let rules = nextArrayIsRules
            nextArrayIsRules = false
            var elements: [Value] = []
            let ok = sequence(closedBy: UInt8(ascii: "]")) { p in
                if rules { p.ruleOffsets.append(p.at) }
                guard let v = p.value() else { return false }
                elements.append(v)
                return true
            }
            return ok ? .array(elements) : nil
        }

        /// The elements of an object or array (its opening bracket at `at`), separated by commas
        /// and closed by `close`: `element` reads one (from its first non-blank byte).
        mutating func sequence(closedBy close: UInt8, _ element: (inout Parser) -> Bool) -> Bool {
            depth -= 1
            guard depth > 0 else { return false }
            defer { depth += 1 }
            at += 1
            skipSpace()
            if at < bytes.count, bytes[at] == close {
                at += 1
                return true
            }
            while true {
                skipSpace()
                guard element(&self) else { return false }
                skipSpace()
                guard at < bytes.count else { return false }
                if bytes[at] == UInt8(ascii: ",") {
                    at += 1
                } else if bytes[at] == close {
                    at += 1
                    return true
                } else {
                    return false
                }
            }
        }

        /// `-?(0|[1-9][0-9]*)` not followed by a fraction or exponent, within 64 bits; with
        /// `generalNumbers`, any RFC 8259 number.
        mutating func integer() -> Value? {
            if generalNumbers {
                let start = at
                let plain = integer(strict: true)
                if let plain { return plain }
                at = start
                return generalNumber()
            }
            return integer(strict: true)
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as written.
        mutating func generalNumber() -> Value? {
            let start = at
            func digits() -> Int {
                let from = at
                while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") { at += 1 }
                return at - from
            }
            if bytes[at] == UInt8(ascii: "-") { at += 1 }
            let first = at
            let n = digits()
            guard n > 0, !(n > 1 && bytes[first] == UInt8(ascii: "0")) else { return nil }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                at += 1
                guard digits() > 0 else { return nil }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                guard digits() > 0 else { return nil }
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self))
        }

        mutating func integer(strict: Bool) -> Value? {
            var negative = false
            if bytes[at] == UInt8(ascii: "-") {
                negative = true
                at += 1
            }
            let start = at
            var magnitude: UInt64 = 0
            while at < bytes.count, bytes[at] >= UInt8(ascii: "0"), bytes[at] <= UInt8(ascii: "9") {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(bytes[at] - UInt8(ascii: "0")))
                guard !o1, !o2 else { return nil }
                magnitude = s
                at += 1
            }
            let digits = at - start
            guard digits > 0, !(digits > 1 && bytes[start] == UInt8(ascii: "0")) else { return nil }
            if at < bytes.count {
                switch bytes[at] {
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
                default: break
                }
            }
            return .integer(negative: negative, magnitude: magnitude)
        }

        /// A string (the opening quote at `at`): valid UTF-8, no raw control characters, the
        /// escapes of RFC 8259 (a `\u` surrogate must be paired).
        mutating func string() -> String? {
            at += 1
            let start = at
            // The common case: no escapes (and mostly ASCII, which needs no validation).
            var seen: UInt8 = 0
            while at < bytes.count {
                let b = bytes[at]
                if b == UInt8(ascii: "\"") {
                    let run = UnsafeBufferPointer(rebasing: bytes[start..<at])
                    let text = seen < 0x80 ? String(decoding: run, as: UTF8.self) : String(validating: run, as: UTF8.self)
                    at += 1
                    return text
                }
                seen |= b
                if b == UInt8(ascii: "\\") { break }
                guard b >= 0x20 else { return nil }
                at += 1
            }
            guard at < bytes.count else { return nil }
            var out = Array(bytes[start..<at])
            while at < bytes.count {
                let b = bytes[at]
                at += 1
                switch b {
                case UInt8(ascii: "\""):
                    return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard at < bytes.count else { return nil }
                    let e = bytes[at]
                    at += 1
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var scalar = hex4() else { return nil }
                        if scalar >= 0xD800, scalar < 0xDC00 {
                            guard at + 1 < bytes.count, bytes[at] == UInt8(ascii: "\\"), bytes[at + 1] == UInt8(ascii: "u") else { return nil }
                            at += 2
                            guard let low = hex4(), low >= 0xDC00, low < 0xE000 else { return nil }
                            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let u = Unicode.Scalar(scalar) else { return nil }
                        out.append(contentsOf: String(Character(u)).utf8)
                    default: return nil
                    }
                default:
                    guard b >= 0x20 else { return nil }
                    out.append(b)
                }
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard at + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[at]
                let d: UInt32
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
                default: return nil
                }
                v = v << 4 | d
                at += 1
            }
            return v
        }
    }

    // MARK: Fields, typed as OCIProfile's Decodable conformance types them

    /// An object's members by key. The profile parser refuses a repeated key; a `generalNumbers`
    /// parser keeps them all, and then the last one counts.
    struct Fields {
        var members: [(key: String, value: Value)]
        init?(_ v: Value) {
            guard case .object(let m) = v else { return nil }
            members = m
        }
        func value(_ key: String) -> Value? {
            members.last { $0.key == key }?.value
        }
        /// The array under `key`, or nil (absent, or not an array).
        func array(_ key: String) -> [Value]? {
            guard case .array(let a)? = value(key) else { return nil }
            return a
        }
        /// A required field: absent or null is JSONDecoder's error to word.
        func required<T>(_ key: String, _ as: (Value) -> T?) -> T? {
            guard let v = value(key) else { return nil }
            return `as`(v)
        }
        /// An optional field: absent or null is nil (`.some(nil)`); a wrong type fails (nil).
        func optional<T>(_ key: String, _ as: (Value) -> T?) -> T?? {
            guard let v = value(key) else { return .some(nil) }
            if case .null = v { return .some(nil) }
            guard let t = `as`(v) else { return nil }
            return .some(t)
        }
    }

    static func string(_ v: Value) -> String? {
        if case .string(let s) = v { return s }
        return nil
    }

    static func int(_ v: Value) -> Int? {
        guard case .integer(let negative, let magnitude) = v else { return nil }
        // `-0` is left to JSONDecoder.
        if negative { return magnitude != 0 && magnitude <= UInt64(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    static func uint64(_ v: Value) -> UInt64? {
        guard case .integer(let negative, let magnitude) = v else { return nil }
        return negative ? nil : magnitude
    }

    static func uint32(_ v: Value) -> UInt32? {
        uint64(v).flatMap { UInt32(exactly: $0) }
    }

    static func strings(_ v: Value) -> [String]? { list(v, string) }

    static func list<T>(_ v: Value, _ element: (Value) -> T?) -> [T]? {
        guard case .array(let elements) = v else { return nil }
        var out: [T] = []
        out.reserveCapacity(elements.count)
        for e in elements {
            guard let t = element(e) else { return nil }
            out.append(t)
        }
        return out
    }

    static func profile(_ v: Value) -> OCIProfile? {
        guard let f = Fields(v),
            let defaultAction = f.required("defaultAction", string),
            let defaultErrnoRet = f.optional("defaultErrnoRet", uint32),
            let architectures = f.optional("architectures", strings),
            let archMap = f.optional("archMap", { list($0, archMapEntry) }),
            let flags = f.optional("flags", strings),
            let listenerPath = f.optional("listenerPath", string),
            let syscalls = f.optional("syscalls", { list($0, rule) })
        else { return nil }
        return OCIProfile(defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet, architectures: architectures,
            archMap: archMap, flags: flags, listenerPath: listenerPath, syscalls: syscalls)
    }

    static func archMapEntry(_ v: Value) -> OCIProfile.ArchMap? {
        guard let f = Fields(v),
            let architecture = f.required("architecture", string),
            let subArchitectures = f.optional("subArchitectures", strings)
        else { return nil }
        return OCIProfile.ArchMap(architecture: architecture, subArchitectures: subArchitectures)
    }

    static func argument(_ v: Value) -> OCIProfile.Argument? {
        guard let f = Fields(v),
            let index = f.required("index", int),
            let value = f.required("value", uint64),
            let valueTwo = f.optional("valueTwo", uint64),
            let op = f.required("op", string)
        else { return nil }
        return OCIProfile.Argument(index: index, value: value, valueTwo: valueTwo, op: op)
    }

    static func filter(_ v: Value) -> OCIProfile.Filter? {
        guard let f = Fields(v),
            let caps = f.optional("caps", strings),
            let arches = f.optional("arches", strings),
            let minKernel = f.optional("minKernel", string)
        else { return nil }
        return OCIProfile.Filter(caps: caps, arches: arches, minKernel: minKernel)
    }

    static func rule(_ v: Value) -> OCIProfile.SyscallRule? {
        guard let f = Fields(v),
            let names = f.optional("names", strings),
            let name = f.optional("name", string),
            let action = f.required("action", string),
            let errnoRet = f.optional("errnoRet", uint32),
            let args = f.optional("args", { list($0, argument) }),
            let comment = f.optional("comment", string),
            let includes = f.optional("includes", filter),
            let excludes = f.optional("excludes", filter)
        else { return nil }
        return OCIProfile.SyscallRule(names: names, name: name, action: action, errnoRet: errnoRet, args: args,
            comment: comment, includes: includes, excludes: excludes)
    }
}
