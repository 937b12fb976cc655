// SpecifierReference.swift: specifier expansion Character by Character, the reference the byte
// paths (`SpecifierContext.expandASCII`, `expandCharacters`) are compared with.

@testable import SeccomposeSystemd

extension SpecifierContext {
    /// `expand` Character by Character, through an array of the text's Characters: for any text.
    func expandCharacterArray(_ text: String) -> (String, [(Character, Int)]) {
        var out = ""
        var unknown: [(Character, Int)] = []
        var chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "%", i + 1 < chars.count {
                let c = chars[i + 1]
                if let v = value(of: c) {
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
