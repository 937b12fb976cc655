// ProfileNumberTests.swift: the numbers a profile's fields cannot hold, judged from the JSON
// text itself (no Foundation): whole values in any notation fit, fractions and values beyond the
// field do not, and the message shows the number as written.

@testable import SeccomposeOCI
import Testing

@Suite("OCI profile numbers a field cannot hold")
struct ProfileNumberTests {
    static func problem(_ body: String) -> String? {
        let json = "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \(body) }"
        return OCIProfileImporter.numberProblem(json: Array(json.utf8), file: "p.json").map { "\($0.path): \($0.message)" }
    }

    static func rule(_ fields: String) -> String {
        "\"syscalls\": [ { \"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \(fields) } ]"
    }

    @Test("whole values in any notation", arguments: [
        ("1", (false, 1)), ("0", (false, 0)), ("-0", (false, 0)), ("-7", (true, 7)), ("1.0", (false, 1)),
        ("1e3", (false, 1000)), ("1.5E1", (false, 15)), ("2500e-2", (false, 25)), ("0.000e9", (false, 0)),
        ("18446744073709551615", (false, UInt64.max)), ("1.8446744073709551615e19", (false, UInt64.max)),
    ] as [(String, (Bool, UInt64))])
    func whole(text: String, expected: (Bool, UInt64)) throws {
        let v = try #require(OCIProfileImporter.NumberText.wholeValue(text))
        #expect(v.negative == expected.0 && v.magnitude == expected.1, "\(text): \(v)")
    }

    @Test("no whole value", arguments: ["1.5", "1e-1", "18446744073709551616", "1e20", "-1e400", "12.3400e1"])
    func notWhole(text: String) {
        #expect(OCIProfileImporter.NumberText.wholeValue(text) == nil, "\(text)")
    }

    @Test("the first number that does not fit, where it is")
    func problems() {
        #expect(Self.problem("\"defaultErrnoRet\": 1") == nil)
        #expect(Self.problem("\"defaultErrnoRet\": 1e3") == nil)
        #expect(Self.problem("\"defaultErrnoRet\": -1")
            == "p.json: defaultErrnoRet: 'defaultErrnoRet' is -1, not an errno number: runc reads it as an unsigned 32-bit number and refuses the profile")
        #expect(Self.problem("\"defaultErrnoRet\": 1.5")?.hasPrefix("p.json: defaultErrnoRet: 'defaultErrnoRet' is 1.5, not an errno number") == true)
        #expect(Self.problem(Self.rule("\"errnoRet\": 4294967296"))?.hasPrefix("p.json: syscalls[0].errnoRet: 'errnoRet' is 4294967296,") == true)
        #expect(Self.problem(Self.rule("\"errnoRet\": 4294967295")) == nil)
        let value = Self.problem(Self.rule("\"args\": [ { \"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\" } ]"))
        #expect(value == "p.json: syscalls[0].args[0].value: 'value' is -1: runc reads argument values as unsigned 64-bit numbers and refuses the profile")
        let index = Self.problem(Self.rule("\"args\": [ { \"index\": 1.5, \"value\": 1, \"op\": \"SCMP_CMP_EQ\" } ]"))
        #expect(index == "p.json: syscalls[0].args[0].index: 'index' is 1.5, not a whole number")
        #expect(Self.problem(Self.rule("\"args\": [ { \"index\": 1.0, \"value\": 1e2, \"op\": \"SCMP_CMP_EQ\" } ]")) == nil)
        // Of a key given twice, the last counts.
        #expect(Self.problem("\"defaultErrnoRet\": -1, \"defaultErrnoRet\": 1") == nil)
        #expect(Self.problem("\"defaultErrnoRet\": 1, \"defaultErrnoRet\": -2")?.contains("is -2,") == true)
        // Not JSON, or not an object: nothing to say.
        #expect(OCIProfileImporter.numberProblem(json: Array("{ \"defaultErrnoRet\": -1, }".utf8), file: "p") == nil)
        #expect(OCIProfileImporter.numberProblem(json: Array("[-1]".utf8), file: "p") == nil)
        #expect(OCIProfileImporter.numberProblem(json: Array("{ \"defaultErrnoRet\": 01 }".utf8), file: "p") == nil)
    }

    @Test("the fix names the two's complement of a negative argument value")
    func twosComplement() throws {
        let json = "{ \"defaultAction\": \"SCMP_ACT_ALLOW\", \(Self.rule("\"args\": [ { \"index\": 0, \"value\": -2, \"op\": \"SCMP_CMP_EQ\" } ]")) }"
        let d = try #require(OCIProfileImporter.numberProblem(json: Array(json.utf8), file: "p"))
        #expect(d.fix.hasSuffix(": its 64-bit two's complement is 18446744073709551614"), "\(d.fix)")
    }
}
