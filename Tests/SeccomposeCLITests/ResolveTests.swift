// ResolveTests.swift: `seccompose resolve` and agreement with libseccomp's scmp_sys_resolver.

import Foundation
import SeccomposeSyscalls
import Testing

@Suite("resolve: names ↔ numbers per ABI")
struct ResolveTests {
    /// Parses `ABI<TAB>NAME<TAB>NUMBER` lines.
    static func rows(_ r: RunResult) -> [(abi: String, name: String, number: String)] {
        r.stdoutLines.filter { !$0.isEmpty }.map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return (f.count > 0 ? f[0] : "", f.count > 1 ? f[1] : "", f.count > 2 ? f[2] : "")
        }
    }

    @Test("a name is listed on every ABI, with its number there")
    func nameOnEveryABI() throws {
        let r = try Support.seccompose(["resolve", "read"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stderr.isEmpty)
        let rows = Self.rows(r)
        #expect(rows.map(\.abi) == Architecture.allCases.map(\.name))
        #expect(rows.allSatisfy { $0.name == "read" })
        var number: [String: String] = [:]
        for row in rows { number[row.abi] = row.number }
        #expect(number["x86_64"] == "0")
        #expect(number["x32"] == "1073741824")
        #expect(number["x86"] == "3")
        #expect(number["aarch64"] == "63")
        #expect(number["arm"] == "3")
        #expect(number["mips"] == "4003")
        #expect(number["mips64"] == "5000")
        #expect(number["mips64n32"] == "6000")
        #expect(number["s390x"] == "3")
    }

    @Test("a call some ABIs lack shows '-' there")
    func absentOnSomeABIs() throws {
        let r = try Support.seccompose(["resolve", "socketcall", "open"])
        #expect(r.status == 0)
        let rows = Self.rows(r)
        #expect(rows.count == 2 * Architecture.allCases.count)
        #expect(rows.contains { $0 == ("x86_64", "socketcall", "-") })
        #expect(rows.contains { $0 == ("x86", "socketcall", "102") })
        #expect(rows.contains { $0 == ("aarch64", "open", "-") })
        #expect(rows.contains { $0 == ("x86_64", "open", "2") })
    }

    @Test("number to name on one ABI", arguments: [
        (["--arch", "x86_64", "0"], "x86_64\tread\t0\n"),
        (["--arch", "x86_64", "169"], "x86_64\treboot\t169\n"),
        (["--arch", "x32", "1073741824"], "x32\tread\t1073741824\n"),
        (["--arch", "x86", "102"], "x86\tsocketcall\t102\n"),
        (["--arch", "x86-64", "read"], "x86_64\tread\t0\n"),  // systemd's spelling of the ABI
        (["--arch", "aarch64", "read", "63"], "aarch64\tread\t63\naarch64\tread\t63\n"),
    ])
    func numberToName(arguments: [String], expected: String) throws {
        let r = try Support.seccompose(["resolve"] + arguments)
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout == expected)
        #expect(r.stderr.isEmpty)
    }

    @Test("JSON output")
    func json() throws {
        let r = try Support.seccompose(["resolve", "--arch", "x86_64", "--format", "json", "read", "1", "99999"])
        #expect(r.status == 1)  // 99999 is no syscall
        let doc = try Support.decode(ResolveJSON.self, from: r)
        #expect(doc.schema == "seccompose.resolve/1")
        #expect(doc.results.count == 3)
        #expect(doc.results[0].name == "read" && doc.results[0].number == 0 && doc.results[0].abi == "x86_64")
        #expect(doc.results[1].name == "write" && doc.results[1].number == 1)
        #expect(doc.results[2].query == "99999" && doc.results[2].name == nil && doc.results[2].number == nil)
    }

    @Test("unknown names and numbers: exit 1 and a message on stderr", arguments: [
        (["nosuch_call"], "seccompose: 'nosuch_call' is not a syscall on any ABI"),
        (["--arch", "x86_64", "nosuch_call"], "seccompose: 'nosuch_call' is not a syscall on x86_64"),
        (["--arch", "x86_64", "socketcall"], "seccompose: 'socketcall' is not a syscall on x86_64"),
        (["--arch", "x86_64", "99999"], "seccompose: '99999' is not a syscall on x86_64"),
        (["read", "nosuch_call"], "seccompose: 'nosuch_call' is not a syscall on any ABI"),
    ])
    func unknown(arguments: [String], message: String) throws {
        let r = try Support.seccompose(["resolve"] + arguments)
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.hasPrefix(message), "\(r)")
        #expect(r.stderr.contains("(tables: Linux "))
    }

    @Test("bad usage: exit 64", arguments: [
        (["--arch", "bogus", "read"], "unknown ABI 'bogus'"),
        ([String](), "Missing expected argument '<name|number> ...'"),
        (["--format", "yaml", "read"], "The value 'yaml' is invalid for '--format <format>'"),
    ])
    func badUsage(arguments: [String], message: String) throws {
        let r = try Support.seccompose(["resolve"] + arguments)
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains(message), "\(r)")
        #expect(r.stdout.isEmpty)
    }

    /// The ABIs compared with libseccomp, with the first table number of each.
    static let differentialABIs: [(abi: String, base: Int)] = [
        ("x86_64", 0), ("x86", 0), ("x32", 0x4000_0000), ("aarch64", 0), ("arm", 0),
    ]

    @Test("agrees with scmp_sys_resolver (libseccomp 2.5.4) on 50 names per ABI", arguments: differentialABIs)
    func againstLibseccomp(abi: String, base: Int) throws {
        let resolver = try Support.requireTool("scmp_sys_resolver", package: "seccomp")
        // The names, from our own output: every number 0…1199 of the ABI.
        let numbers = (base..<(base + 1200)).map(String.init)
        let r = try Support.seccompose(["resolve", "--arch", abi, "--format", "json"] + numbers)
        let doc = try Support.decode(ResolveJSON.self, from: r)
        let known = doc.results.compactMap { row in row.name.flatMap { n in row.number.map { (n, $0) } } }
        #expect(known.count > 300, "only \(known.count) syscalls found on \(abi)")
        // 50 names spread evenly over the table (deterministic, so a failure reproduces).
        let step = max(1, known.count / 50)
        let sample = stride(from: 0, to: known.count, by: step).prefix(50).map { known[$0] }
        #expect(sample.count == 50)
        var compared = 0
        var skipped: [String] = []
        for (name, number) in sample {
            let lib = try Support.run(resolver, ["-a", abi, name])
            #expect(lib.status == 0, "\(lib)")
            let value = try #require(Int(lib.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(lib)")
            if value < 0 {
                skipped.append("\(name)=\(value)")  // libseccomp 2.5.4 lacks it (or it is a pseudo call there)
                continue
            }
            compared += 1
            #expect(value == number, "\(abi) \(name): libseccomp \(value), seccompose \(number)")
            // And back: the number names the same call.
            let back = try Support.run(resolver, ["-a", abi, String(number)])
            let libName = back.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(libName == name, "\(abi) \(number): libseccomp \(libName), seccompose \(name)")
        }
        #expect(compared >= 35, "too few names comparable on \(abi); skipped: \(skipped)")
    }
}
