// Decisions of systemd 252 as read back from a running systemd (Tests/Fixtures/systemd252-oracle).

import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

@Suite("systemd 252 oracle fixtures")
struct OracleTests {
    static let root = Systemd252OracleFixtures.directory
    static let cases = Systemd252OracleFixtures.cases

    static func parseAction(_ s: Substring) -> Action? {
        switch s {
        case "ALLOW": return .allow
        case "KILL_PROCESS": return .killProcess
        case "KILL_THREAD": return .killThread
        case "LOG": return .log
        default:
            guard s.hasPrefix("ERRNO("), s.hasSuffix(")"), let n = UInt16(s.dropFirst(6).dropLast()) else { return nil }
            return .errno(n)
        }
    }

    @Test("x86-64 decisions for numbers 0…600 equal systemd 252's", arguments: cases)
    func x86_64Table(name: String) throws {
        let fragment = try TextFile.read("\(Self.root)/\(name)/fragment.txt")
        let (assignments, lineDiags) = UnitSettingsReader.assignments(of: "[Service]\n" + fragment, file: "fragment")
        #expect(lineDiags.isEmpty)
        var settings = SystemCallSettings(context: try SystemdContext(version: .v252, native: .x86_64))
        for a in assignments { #expect(settings.apply(a).isEmpty) }
        let policy = try SystemdPolicyBuilder.build(settings).policy
        let table = try TextFile.read("\(Self.root)/\(name)/table-x86_64.txt")
        var compared = 0
        for line in table.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 3, let nr = Int(f[0]), let expected = Self.parseAction(f[2]) else { continue }
            #expect(policy.action(abi: .x86_64, number: nr) == expected, "\(name): nr \(nr) (\(f.last ?? ""))")
            compared += 1
        }
        #expect(compared == 601)
    }

    @Test("x32 and i386 action counts for numbers 0…600 equal systemd 252's", arguments: cases)
    func otherABICounts(name: String) throws {
        let fragment = try TextFile.read("\(Self.root)/\(name)/fragment.txt")
        var settings = SystemCallSettings(context: try SystemdContext(version: .v252, native: .x86_64))
        for a in UnitSettingsReader.assignments(of: "[Service]\n" + fragment, file: "f").0 { _ = settings.apply(a) }
        let policy = try SystemdPolicyBuilder.build(settings).policy
        let summary = try TextFile.read("\(Self.root)/\(name)/summary.txt")
        var checked = 0
        for line in summary.split(separator: "\n") {
            let t = line.trimmingPrefix(while: { $0 == " " })
            for (label, abi, base) in [("x32: actions: ", Architecture.x32, 0x4000_0000), ("i386: actions: ", .x86, 0)]
            where t.hasPrefix(label) {
                var expected: [Action: Int] = [:]
                for item in t.dropFirst(label.count).split(separator: ",") {
                    let kv = item.trimmingPrefix(while: { $0 == " " }).split(separator: "=")
                    if kv.count == 2, let a = Self.parseAction(kv[0]), let n = Int(kv[1]) { expected[a] = n }
                }
                var actual: [Action: Int] = [:]
                for nr in 0...600 { actual[policy.action(abi: abi, number: base + nr), default: 0] += 1 }
                #expect(actual == expected, "\(name) \(abi)")
                checked += 1
            }
        }
        #expect(checked == 2)
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while p: (Character) -> Bool) -> Substring { drop(while: p) }
}
