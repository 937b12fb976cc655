// OCIProfile+Numbers.swift: numbers a profile's fields cannot hold, reported at the field.
// Foundation's JSONDecoder reports a number out of its field's range (`"errnoRet": -1`) only as
// "The given data was not valid JSON", with no position; runc refuses such profiles too.

import Foundation

extension OCIProfileImporter {
    /// The unsigned fields of a profile and their largest values (runc's Go types).
    enum UnsignedField {
        case errno, argumentValue

        var maximum: UInt64 { self == .errno ? UInt64(UInt32.max) : UInt64.max }
    }

    /// The first number in `json` that its field cannot hold (a negative, fractional or too large
    /// `defaultErrnoRet`, `errnoRet`, `value` or `valueTwo`, a fractional `index`), as an error at
    /// `file: PATH`; nil when every number fits (or the text is not JSON at all).
    static func numberProblem(json: [UInt8], file: String) -> OCIDiagnostic? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json)) as? [String: Any] else { return nil }
        if let problem = check(root["defaultErrnoRet"], .errno, path: "defaultErrnoRet", file: file) { return problem }
        for (ri, rule) in ((root["syscalls"] as? [Any]) ?? []).enumerated() {
            guard let rule = rule as? [String: Any] else { continue }
            if let problem = check(rule["errnoRet"], .errno, path: "syscalls[\(ri)].errnoRet", file: file) { return problem }
            for (ai, argument) in ((rule["args"] as? [Any]) ?? []).enumerated() {
                guard let argument = argument as? [String: Any] else { continue }
                let base = "syscalls[\(ri)].args[\(ai)]"
                for key in ["value", "valueTwo"] {
                    if let problem = check(argument[key], .argumentValue, path: "\(base).\(key)", file: file) { return problem }
                }
                if let n = argument["index"] as? NSNumber, Int(n.stringValue) == nil {
                    return OCIDiagnostic(severity: "error", path: "\(file): \(base).index",
                        message: "'index' is \(n.stringValue), not a whole number",
                        fix: "syscall arguments are numbered 0 to 5")
                }
            }
        }
        return nil
    }

    /// The error for `value` at `path` when it is a number `field` cannot hold.
    static func check(_ value: Any?, _ field: UnsignedField, path: String, file: String) -> OCIDiagnostic? {
        guard let n = value as? NSNumber, !(value is Bool) else { return nil }
        let text = n.stringValue
        if let v = UInt64(text), v <= field.maximum { return nil }
        let key = path.split(separator: ".").last.map(String.init) ?? path
        switch field {
        case .errno:
            return OCIDiagnostic(severity: "error", path: "\(file): \(path)",
                message: "'\(key)' is \(text), not an errno number: runc reads it as an unsigned 32-bit number and refuses the profile",
                fix: "give an errno number from 1 to 4095 (1 is EPERM), or leave '\(key)' out for EPERM")
        case .argumentValue:
            let twos = Int64(text).map { ": its 64-bit two's complement is \(UInt64(bitPattern: $0))" } ?? ""
            return OCIDiagnostic(severity: "error", path: "\(file): \(path)",
                message: "'\(key)' is \(text): runc reads argument values as unsigned 64-bit numbers and refuses the profile",
                fix: "write the value as an unsigned number from 0 to 18446744073709551615\(twos)")
        }
    }
}
