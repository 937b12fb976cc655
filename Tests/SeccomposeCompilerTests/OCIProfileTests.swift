// Docker/OCI profiles through the argument-width rules (issue 6): the profile's comparisons are
// judged on the bits the kernel reads, i386's socketcall() is closed, and the importer warns
// about comparisons of ignored bits with the JSON path of the argument.

import Foundation
import SeccomposeCompiler
import SeccomposeOCI
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@Suite("OCI profiles: argument widths and multiplexers")
struct OCIProfileWidthTests {
    static func load(_ json: String, file: String = "p.json") throws -> OCIImport {
        try OCIProfileImporter.load(json: Array(json.utf8), file: file, target: OCITarget(architecture: .x86_64, kernel: (6, 1)))
    }

    static func docker() throws -> OCIImport {
        let path = repositoryRoot + "/Tests/Fixtures/docker-seccomp-default.json"
        return try OCIProfileImporter.load(json: Array(try TextFile.read(path).utf8), file: "docker.json",
            target: OCITarget(architecture: .x86_64, kernel: (6, 1)))
    }

    static func run(_ p: Policy, _ mode: ArgumentWidthMode, _ abi: Architecture, _ name: String, _ args: [UInt64]) throws -> Action {
        let program = try Compiler.compile(p, options: CompileOptions(argumentWidths: mode))
        let nr = try #require(SyscallTable.number(of: name, on: abi))
        return try Simulator.run(program.instructions, SeccompData(abi: abi, number: nr, args: args)).action
    }

    @Test("Docker's default: socket((1<<32)|AF_VSOCK) and i386 socketcall(SYS_SOCKET) are closed; the profile's own decisions stay")
    func dockerDefault() throws {
        let imported = try Self.docker()
        let p = imported.policy
        #expect(p.architectures.contains(.x86))
        let vsock: UInt64 = 40
        // Written decisions are kept for the values the kernel acts on.
        #expect(try Self.run(p, .kernel, .x86_64, "socket", [2, 1, 0]) == .allow)
        #expect(try Self.run(p, .kernel, .x86_64, "socket", [vsock, 1, 0]) == .errno(1))
        // The upper half: systemd/libseccomp's 64-bit comparison lets AF_VSOCK through (a0 > 40).
        #expect(try Self.run(p, .systemd, .x86_64, "socket", [1 << 32 | vsock, 1, 0]) == .allow)
        #expect(try Self.run(p, .kernel, .x86_64, "socket", [1 << 32 | vsock, 1, 0]) == .errno(1))
        // personality(unsigned int): (1<<32)|PER_LINUX is PER_LINUX to the kernel.
        #expect(try Self.run(p, .systemd, .x86_64, "personality", [1 << 32]) == .errno(1))
        #expect(try Self.run(p, .kernel, .x86_64, "personality", [1 << 32]) == .allow)
        // i386: direct socket judged like x86-64; socketcall(SYS_SOCKET) cannot be, so it is refused.
        #expect(try Self.run(p, .kernel, .x86, "socket", [vsock, 1, 0]) == .errno(1))
        #expect(try Self.run(p, .kernel, .x86, "socket", [2, 1, 0]) == .allow)
        #expect(try Self.run(p, .kernel, .x86, "socketcall", [1, 0]) == .errno(1))
        #expect(try Self.run(p, .systemd, .x86, "socketcall", [1, 0]) == .allow)
        #expect(try Self.run(p, .kernel, .x86, "socketcall", [3, 0]) == .allow, "connect through socketcall is not restricted")
        // What the importer says: the socketcall closure, and no ignored-bit comparison in Docker's profile.
        #expect(imported.warnings.filter { $0.message.contains("socketcall()") }.count == 1, "\(imported.warnings)")
        #expect(!imported.warnings.contains { $0.message.contains("kernel ignores") }, "\(imported.warnings)")
    }

    @Test("a comparison of bits the kernel ignores is reported with its JSON path; clean sign extensions are not")
    func ignoredBitsWarning() throws {
        let imported = try Self.load("""
            {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64"],"syscalls":[
              {"names":["socket"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":4294967313,"op":"SCMP_CMP_EQ"}]},
              {"names":["setns"],"action":"SCMP_ACT_ERRNO","args":[{"index":1,"value":18446744073709551615,"op":"SCMP_CMP_EQ"}]},
              {"names":["mmap"],"action":"SCMP_ACT_ERRNO","args":[{"index":3,"value":4294967296,"op":"SCMP_CMP_EQ"}]},
              {"names":["clone"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":18446744069414584320,"valueTwo":0,"op":"SCMP_CMP_MASKED_EQ"}]}
            ]}
            """)
        let paths = imported.warnings.map(\.path)
        #expect(paths == ["p.json: syscalls[0].args[0].value", "p.json: syscalls[3].args[0].value"], "\(imported.warnings)")
        let socket = try #require(imported.warnings.first)
        #expect(socket.message.contains("socket's argument 0") && socket.message.contains("0x11"))
        #expect(socket.fix.contains("0x11"))
        // The rule itself: the kernel-mode program refuses socket(AF_PACKET) (0x11), written as 0x100000011.
        #expect(try Self.run(imported.policy, .kernel, .x86_64, "socket", [17, 3, 0]) == .errno(1))
        #expect(try Self.run(imported.policy, .systemd, .x86_64, "socket", [17, 3, 0]) == .allow)
    }

    @Test("live: an OCI rule on socket's family holds against upper-half bits in a real process")
    func live() throws {
        let imported = try Self.load("""
            {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],"syscalls":[
              {"names":["socket"],"action":"SCMP_ACT_ERRNO","errnoRet":97,"args":[{"index":0,"value":17,"op":"SCMP_CMP_EQ"}]}
            ]}
            """)
        let program = try Compiler.compile(imported.policy)
        let r = try Probe.run(program, ["x86_64:41:0x100000011:3:0", "x86_64:41:2:2:0", "i386:102:1:0", "i386:359:17:3:0"])
        #expect(Probe.results(r) == ["errno=97", "ret", "errno=97", "errno=97"], "\(r)")
    }
}

@Suite("JSON locator: file:line:column for profile diagnostics")
struct JSONLocatorTests {
    static let text = """
        {
          "defaultAction": "SCMP_ACT_ERRNO",
          "names": "a\\"]}[{",
          "syscalls": [
            {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
            {
              "names": ["socket"],
              "args": [ { "index": 0, "value": 1 }, { "index": 1, "value": 2 } ]
            }
          ]
        }
        """

    @Test("paths to keys, array elements and nested values; nil for what is not there")
    func locate() {
        #expect(JSONLocator.locate("defaultAction", in: Self.text)! == (2, 20))
        #expect(JSONLocator.locate("syscalls[0]", in: Self.text)! == (5, 5))
        #expect(JSONLocator.locate("syscalls[1]", in: Self.text)! == (6, 5))
        #expect(JSONLocator.locate(".syscalls[1].args[1].value", in: Self.text)! == (8, 68))
        #expect(JSONLocator.locate("syscalls[2]", in: Self.text) == nil)
        #expect(JSONLocator.locate("syscalls[1].nothing", in: Self.text) == nil)
        #expect(JSONLocator.locate("names", in: Self.text)! == (3, 12), "a string with escaped quotes and brackets is skipped whole")
        #expect(JSONLocator.locate("x", in: "not json") == nil)
    }
}
