// Issue 19: the importer's fast paths decide exactly as the slow ones they stand in for.
//  - LevelIndex (a binary search for a new node's place in a level of libseccomp's rule tree)
//    against the walk of the level that models libseccomp, on random rule sets that make merges,
//    ties, 64-bit upper-word nodes shared between branches, refusals and replaced subtrees.
//  - OCIProfileReader (bytes → OCIProfile) against Foundation's JSONDecoder, on profiles and on
//    broken or unusual texts: where the reader answers, the answers are equal.

import Foundation
@testable import SeccomposeOCI
import SeccomposePolicy
import SeccomposeTestSupport
import Testing

@Suite("Importer fast paths: the level index and the profile reader")
struct ImporterFastPathTests {
    static let operators: [ArgumentCondition.Operator] = ArgumentCondition.Operator.allCases
    static let actions: [Action] = [.allow, .errno(1), .errno(2), .log, .killProcess]

    static func condition(_ rng: inout SplitMix, index: Int, values: [UInt64]) -> ArgumentCondition {
        let op = operators[Int(rng.next() % UInt64(operators.count))]
        let v = values[Int(rng.next() % UInt64(values.count))]
        if op == .maskedEqual {
            let masks: [UInt64] = [0xFF, 0xF0, 0xFFFF_FFFF, 0xFFFF_FFFF_0000_0000, .max, 0x1_0000_00FF]
            let m = masks[Int(rng.next() % UInt64(masks.count))]
            return ArgumentCondition(index: index, .maskedEqual, v & m, mask: m)
        }
        return ArgumentCondition(index: index, op, v)
    }

    @Test("the level index places every node where the walk does (decisions, refusals, evaluations)",
        arguments: [(true, LibseccompRuleDatabase.Release.v2_6_1), (false, .v2_6_1), (true, .v2_5_4), (false, .v2_5_4)])
    func levelIndex(wide: Bool, release: LibseccompRuleDatabase.Release) throws {
        var rng = SplitMix(state: wide ? 0x1e7e1 : 0x1e7e2)
        var compared = 0, refusals = 0
        for round in 0..<600 {
            // Few distinct constants (merges and ties) or many (long levels); upper words too.
            let small: [UInt64] = [0, 1, 2, 7, 0xFF, 0x1_0000_0000, 0x1_0000_0001, 0xFFFF_FFFF, .max]
            let many = (0..<200).map { _ in rng.next() % 4 == 0 ? rng.next() : rng.next() % 5000 }
            let values = round % 3 == 0 ? many : small
            let count = round % 3 == 0 ? 400 : Int(rng.next() % 40) + 1
            var indexed = LibseccompRuleDatabase(wide: wide, defaultAction: .errno(99), release: release)
            var walked = indexed
            walked.walksLevels = true
            for source in 0..<count {
                var conditions: [ArgumentCondition] = []
                let argCount = round % 3 == 0 && rng.next() % 4 != 0 ? 1 : Int(rng.next() % 3)
                var indexes = [0, 1, 2].shuffled(using: &rng).prefix(argCount)
                if round % 3 == 0, argCount == 1 { indexes = [1] }
                for i in indexes { conditions.append(Self.condition(&rng, index: i, values: values)) }
                let action = Self.actions[Int(rng.next() % UInt64(Self.actions.count))]
                var a: LibseccompRuleDatabase.Refusal?, b: LibseccompRuleDatabase.Refusal?
                do { try indexed.add(action, syscall: "ioctl", conditions, source: source) } catch { a = error }
                do { try walked.add(action, syscall: "ioctl", conditions, source: source) } catch { b = error }
                #expect(a == b, "round \(round), rule \(source): \(conditions)")
                if a != nil { refusals += 1 }
                guard a == b else { return }
            }
            let origin: (Int) -> Origin? = { Origin(file: "r", line: $0 + 1, column: 1, setting: "s", text: "t") }
            var da: SyscallDecision?, db: SyscallDecision?
            var ra: LibseccompRuleDatabase.Refusal?, rb: LibseccompRuleDatabase.Refusal?
            do { da = try indexed.decision(for: "ioctl", origin: origin) } catch { ra = error }
            do { db = try walked.decision(for: "ioctl", origin: origin) } catch { rb = error }
            #expect(da == db && ra == rb, "round \(round)")
            for _ in 0..<50 {
                let args = (0..<6).map { _ in rng.next() % 2 == 0 ? values[Int(rng.next() % UInt64(values.count))] : rng.next() % 8 }
                #expect(indexed.evaluate("ioctl", arguments: args) == walked.evaluate("ioctl", arguments: args))
                compared += 1
            }
        }
        #expect(compared == 30_000)
        #expect(refusals > 0, "the rule sets make refusals too")
        // An allow-list of values keeps its level's index (the fast path is taken at all).
        var db = LibseccompRuleDatabase(wide: wide, defaultAction: .errno(1), release: release)
        for v in (0..<1000).map({ UInt64($0 * 7919 % 1000) }) {
            try db.add(.allow, syscall: "ioctl", [ArgumentCondition(index: 1, .equal, v)], source: Int(v))
        }
        let root = try #require(db.entries["ioctl"]?.chains)
        let values = try #require(wide ? root.nextTrue : root)
        #expect(values.level?.kept == true && values.level?.entries.count == 1000)
        #expect(db.evaluate("ioctl", arguments: [0, 999])?.action == .allow && db.evaluate("ioctl", arguments: [0, 1000])?.action == .errno(1))
    }

    @Test("the grid of boxes decides as the tree on every corner (64- and 32-bit, one, two and three arguments)",
        arguments: [true, false])
    func grid(wide: Bool) throws {
        var rng = SplitMix(state: wide ? 0x961d : 0x9620)
        let ops: [ArgumentCondition.Operator] = [.less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual]
        let values: [UInt64] = [0, 1, 7, 0xFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000, 0x1_0000_0007, .max - 1]
        var corners = 0, boxes = 0
        for round in 0..<40 {
            var db = LibseccompRuleDatabase(wide: wide, defaultAction: .errno(1))
            var constants: [Int: Set<UInt64>] = [:]
            let args = round % 4 == 0 ? 3 : round % 4 == 1 ? 1 : 2
            for source in 0..<(4 + round % 9) {
                var conditions: [ArgumentCondition] = []
                for index in 0..<args where rng.next() % 4 != 0 {
                    let v = rng.next() % 2 == 0 ? values[Int(rng.next() % UInt64(values.count))] : rng.next() % 0x1_0000
                    let c = ArgumentCondition(index: index, ops[Int(rng.next() % UInt64(ops.count))], wide ? v : v & 0xFFFF_FFFF)
                    conditions.append(c)
                    constants[index, default: []].formUnion([c.value, c.value &- 1, c.value &+ 1])
                }
                let action: Action = rng.next() % 3 == 0 ? .log : .allow
                do { try db.add(action, syscall: "mmap", conditions, source: source) } catch { continue }
            }
            guard let root = db.entries["mmap"]?.chains, let plan = db.gridPlan(root: root) else { continue }
            let rules = db.gridRules("mmap", plan: plan)
            boxes += rules.count
            // The boxes are disjoint (on one argument: runs tried in ascending order, so the
            // first that holds decides).
            func holds(_ r: LibseccompRuleDatabase.FlatRule, _ a: [UInt64]) -> Bool {
                r.conditions.allSatisfy { c in
                    switch c.op {
                    case .greaterOrEqual: return a[c.index] >= c.value
                    case .lessOrEqual: return a[c.index] <= c.value
                    default: return false
                    }
                }
            }
            let top: UInt64 = wide ? .max : 0xFFFF_FFFF
            let xs = (constants[0] ?? [0]).filter { $0 <= top }.sorted(), ys = (constants[1] ?? [0]).filter { $0 <= top }.sorted()
            let zs = (constants[2] ?? [0]).filter { $0 <= top }.sorted()
            for x in xs {
                for y in ys {
                    for z in zs.prefix(args == 3 ? zs.count : 1) {
                        let a: [UInt64] = [x, y, z, 0, 0, 0]
                        let matching = rules.dropLast().filter { holds($0, a) }
                        #expect(matching.count <= 1 || plan.args.count == 1)
                        let grid = matching.first?.leaf ?? rules.last?.leaf
                        #expect(grid?.action == db.evaluate("mmap", arguments: a)?.action, "round \(round) at \(a)")
                        corners += 1
                    }
                }
            }
        }
        #expect(corners > 2_000 && boxes > 40)
    }

    static func decoded(_ text: String) -> OCIProfile? {
        try? JSONDecoder().decode(OCIProfile.self, from: Data(text.utf8))
    }

    @Test("the profile reader reads what JSONDecoder reads, and leaves the rest to it")
    func reader() throws {
        let docker = try String(contentsOfFile: repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json", encoding: .utf8)
        let base = #"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1, "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [{"names": ["ioctl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 21505, "op": "SCMP_CMP_EQ"}], "comment": "x"}]}"#
        // Texts the reader must read as JSONDecoder does.
        let read = [
            docker, base,
            #"{"defaultAction":"SCMP_ACT_KILL"}"#,
            #"  {"defaultAction" : "A\u00e9\n\"\\\/\t", "flags": [], "listenerPath": null, "syscalls": null}  "#,
            #"{"defaultAction": "é ü \ud83d\ude00", "unknown": {"x": [1, -2, true, null, "y"]}, "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}]}"#,
            #"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "read", "action": "SCMP_ACT_LOG", "errnoRet": 4294967295, "args": [{"index": -1, "value": 18446744073709551615, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}], "includes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["amd64"], "minKernel": "5.8"}, "excludes": {}}]}"#,
        ]
        let multiline = "{\n \"defaultAction\": \"é\",\r\n  \"syscalls\" :\n[ {\"names\": [\"read\"], \"action\": \"ü\"},\t{\"name\": \"é\", \"action\": \"x\"},\n\n      {\"action\": \"y\"}]}"
        for text in read + [multiline] {
            let fast = OCIProfileReader.read(Array(text.utf8))
            #expect(fast != nil, "the reader should read \(text.prefix(80))")
            #expect(fast == Self.decoded(text), "\(text.prefix(80))")
            // Where each rule starts: as the locator finds it in a pass of its own.
            let offsets = try #require(OCIProfileReader.readWithRuleOffsets(Array(text.utf8))).ruleOffsets
            let mine = JSONLocator.positions(ofOffsets: offsets, in: Array(text.utf8)).map { [$0.line, $0.column] }
            let located = (JSONLocator.elementPositions(of: "syscalls", in: text) ?? []).map { [$0.line, $0.column] }
            #expect(mine == located && mine.count == (fast?.syscalls?.count ?? 0), "\(text.prefix(80))")
        }
        // Texts it leaves to JSONDecoder (whatever JSONDecoder makes of them).
        let left = [
            "", "[]", "{", #"{"defaultAction": 1}"#, #"{"defaultErrnoRet": 1}"#, #"{"defaultAction": null}"#,
            #"{"defaultAction": "a", "defaultAction": "b"}"#, #"{"defaultAction": "a",}"#, #"{"defaultAction": "a"} x"#,
            #"{"defaultAction": "a", "defaultErrnoRet": 1.0}"#, #"{"defaultAction": "a", "defaultErrnoRet": 1e2}"#,
            #"{"defaultAction": "a", "defaultErrnoRet": -1}"#, #"{"defaultAction": "a", "defaultErrnoRet": 4294967296}"#,
            #"{"defaultAction": "a", "defaultErrnoRet": 01}"#, #"{"defaultAction": "a", "defaultErrnoRet": -0}"#,
            #"{"defaultAction": "a\ud800"}"#, #"{"defaultAction": "a\x"}"#, "{\"defaultAction\": \"a\tb\"}", #"{"defaultAction": "a", "unknown": 2.5}"#,
            "\u{FEFF}{\"defaultAction\": \"a\"}", #"{"defaultAction": "a", "syscalls": [{"action": "b", "args": [{"index": 1, "op": "EQ"}]}]}"#,
            #"{"defaultAction": "a", "syscalls": [{"action": "b", "args": [{"index": 99999999999999999999, "value": 1, "op": "EQ"}]}]}"#,
            #"{"defaultAction": "a", "architectures": ["x", null]}"#, #"{"defaultAction": "a", "flags": "x"}"#,
        ]
        for text in left {
            #expect(OCIProfileReader.read(Array(text.utf8)) == nil, "the reader should leave \(text) to JSONDecoder")
        }
        // Random damage to a real profile: wherever the reader answers, JSONDecoder agrees.
        var rng = SplitMix(state: 0x0c1)
        let bytes = Array(base.utf8)
        var answered = 0
        for _ in 0..<3000 {
            var b = bytes
            for _ in 0..<Int(rng.next() % 3) + 1 {
                let i = Int(rng.next() % UInt64(b.count))
                let junk: [UInt8] = Array(#"{}[]",:0-19.eE\"u nt"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xFF]
                switch rng.next() % 3 {
                case 0: b[i] = junk[Int(rng.next() % UInt64(junk.count))]
                case 1: b.remove(at: i)
                default: b.insert(junk[Int(rng.next() % UInt64(junk.count))], at: i)
                }
            }
            guard let fast = OCIProfileReader.read(b) else { continue }
            answered += 1
            #expect(fast == (try? JSONDecoder().decode(OCIProfile.self, from: Data(b))), "\(String(decoding: b, as: UTF8.self))")
        }
        #expect(answered > 300)
    }
}
