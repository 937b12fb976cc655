// OCIProfile+Numbers.swift: numbers a profile's fields cannot hold, reported at the field.
// Foundation's JSONDecoder reports a number out of its field's range (`"errnoRet": -1`) only as
// "The given data was not valid JSON", with no position; runc refuses such profiles too.

extension OCIProfileImporter {
    /// The unsigned fields of a profile and their largest values (runc's Go types).
    enum UnsignedField {
        case errno, argumentValue

        var maximum: UInt64 { self == .errno ? UInt64(UInt32.max) : UInt64.max }
    }

    /// The first number in `json` that its field cannot hold (a negative, fractional or too large
    /// `defaultErrnoRet`, `errnoRet`, `value` or `valueTwo`, a fractional `index`), as an error at
    /// `file: PATH`; nil when every number fits (or the text is not JSON at all). Of a key given
    /// twice in one object, the last counts.
    static func numberProblem(json: [UInt8], file: String) -> OCIDiagnostic? {
        let document = json.withUnsafeBufferPointer { bytes -> OCIProfileReader.Value? in
            var parser = OCIProfileReader.Parser(bytes: bytes, generalNumbers: true)
            return parser.document()
        }
        guard let document, let root = OCIProfileReader.Fields(document) else { return nil }
        if let problem = check(root.value("defaultErrnoRet"), .errno, path: "defaultErrnoRet", file: file) { return problem }
        for (ri, rule) in (root.array("syscalls") ?? []).enumerated() {
            guard let rule = OCIProfileReader.Fields(rule) else { continue }
            if let problem = check(rule.value("errnoRet"), .errno, path: "syscalls[\(ri)].errnoRet", file: file) { return problem }
            for (ai, argument) in (rule.array("args") ?? []).enumerated() {
                guard let argument = OCIProfileReader.Fields(argument) else { continue }
                let base = "syscalls[\(ri)].args[\(ai)]"
                for key in ["value", "valueTwo"] {
                    if let problem = check(argument.value(key), .argumentValue, path: "\(base).\(key)", file: file) { return problem }
                }
                if let n = argument.value("index").flatMap(NumberText.init), n.integer == nil {
                    return OCIDiagnostic(severity: "error", path: "\(file): \(base).index",
                        message: "'index' is \(n.text), not a whole number",
                        fix: "syscall arguments are numbered 0 to 5")
                }
            }
        }
        return nil
    }

    /// A JSON number: its text for messages, and its value when it is a whole number
    /// (`1.0` and `1e3` are) that 64 bits hold, signed or not.
    struct NumberText {
        var text: String
        /// (negative, magnitude), or nil for a fraction or a number beyond 64 bits.
        var integer: (negative: Bool, magnitude: UInt64)?

        init?(_ v: OCIProfileReader.Value) {
            switch v {
            case .integer(let negative, let magnitude):
                let zero = magnitude == 0
                text = negative && !zero ? "-\(magnitude)" : "\(magnitude)"
                integer = (negative && !zero, magnitude)
            case .number(let written):
                text = written
                integer = Self.wholeValue(written)
            default:
                return nil
            }
        }

        /// The exact value of `-?D(.F)?(e[+-]?X)?` when it is whole and within 64 bits.
        static func wholeValue(_ written: String) -> (negative: Bool, magnitude: UInt64)? {
            var bytes = Substring(written).utf8[...]
            let negative = bytes.first == UInt8(ascii: "-")
            if negative { bytes = bytes.dropFirst() }
            let mantissaEnd = bytes.firstIndex { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") } ?? bytes.endIndex
            var exponent = 0
            if mantissaEnd < bytes.endIndex {
                var e = bytes[bytes.index(after: mantissaEnd)...]
                let minus = e.first == UInt8(ascii: "-")
                if e.first == UInt8(ascii: "-") || e.first == UInt8(ascii: "+") { e = e.dropFirst() }
                // Far beyond any 64-bit value either way (a long run of zeros aside).
                guard e.count <= 6, let x = Int(Substring(e)) else { return nil }
                exponent = minus ? -x : x
            }
            var digits: [UInt8] = []
            var fractionDigits = 0, inFraction = false
            for b in bytes[..<mantissaEnd] {
                if b == UInt8(ascii: ".") { inFraction = true; continue }
                digits.append(b - UInt8(ascii: "0"))
                if inFraction { fractionDigits += 1 }
            }
            // value = digits × 10^(exponent − fractionDigits)
            var shift = exponent - fractionDigits
            while shift < 0, let last = digits.last {
                guard last == 0 else { return nil }
                digits.removeLast()
                shift += 1
            }
            if shift < 0 { return (false, 0) }  // every digit was a zero
            var magnitude: UInt64 = 0
            for d in digits + Array(repeating: 0, count: min(shift, 40)) {
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(UInt64(d))
                guard !o1, !o2 else { return nil }
                magnitude = s
            }
            return (negative && magnitude != 0, magnitude)
        }
    }

    /// The error for `value` at `path` when it is a number `field` cannot hold.
    static func check(_ value: OCIProfileReader.Value?, _ field: UnsignedField, path: String, file: String) -> OCIDiagnostic? {
        guard let n = value.flatMap(NumberText.init) else { return nil }
        let text = n.text
        if let (negative, v) = n.integer, !negative, v <= field.maximum { return nil }
        let key = path.split(separator: ".").last.map(String.init) ?? path
        switch field {
        case .errno:
            return OCIDiagnostic(severity: "error", path: "\(file): \(path)",
                message: "'\(key)' is \(text), not an errno number: runc reads it as an unsigned 32-bit number and refuses the profile",
                fix: "give an errno number from 1 to 4095 (1 is EPERM), or leave '\(key)' out for EPERM")
        case .argumentValue:
            let twos = n.integer.flatMap { i in
                i.negative && i.magnitude <= UInt64(Int64.max) + 1
                    ? ": its 64-bit two's complement is \(0 &- i.magnitude)" : nil
            } ?? ""
            return OCIDiagnostic(severity: "error", path: "\(file): \(path)",
                message: "'\(key)' is \(text): runc reads argument values as unsigned 64-bit numbers and refuses the profile",
                fix: "write the value as an unsigned number from 0 to 18446744073709551615\(twos)")
        }
    }
}
