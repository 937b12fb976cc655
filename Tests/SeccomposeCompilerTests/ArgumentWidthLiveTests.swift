// Issue 6's proof on the real kernel: the bypasses systemd 252 leaves open (upper-half bits of
// 32-bit arguments, i386's direct socket() and socketcall()) are closed in the default mode,
// legitimate calls still work, and the systemd mode keeps systemd 252's decisions.
// Programs are installed in seccompose-probe child processes, never in the test runner.

import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd
import SeccomposeTestSupport
import Testing

@Suite("live kernel: argument widths and multiplexers", .serialized)
struct ArgumentWidthLiveTests {
    /// Runs `calls` under the unit lines compiled in `mode`; returns one result per call
    /// ("errno=N" or "ret").
    static func outcomes(_ lines: String, _ mode: ArgumentWidthMode, _ calls: [String]) throws -> [String] {
        let policy = try unitPolicy(lines, mode: mode)
        let program = try Compiler.compile(policy, options: CompileOptions(argumentWidths: mode))
        let r = try Probe.run(program, calls)
        let results = Probe.results(r)
        try #require(r.status == 0 && results.count == calls.count, "\(lines) \(mode):\n\(r)")
        return results
    }

    static let namespaces = "RestrictNamespaces=~user net"
    static let families = "RestrictAddressFamilies=~AF_PACKET AF_NETLINK"

    @Test("setns(fd, 1<<32) is refused like setns(fd, 0); a named type still reaches the kernel")
    func setns() throws {
        // fd -1: a call the filter lets through fails with EBADF (9), never EPERM.
        let calls = ["x86_64:308:-1:0x100000000", "x86_64:308:-1:0", "x86_64:308:-1:0x4000000",
                     "x86_64:308:-1:0x140000000"]
        #expect(try Self.outcomes(Self.namespaces, .kernel, calls) == ["errno=1", "errno=1", "errno=9", "errno=1"])
        // systemd 252 compares all 64 bits: setns(fd, 1<<32) passes although the kernel sees 0
        // (any type); its masked tests of the type bits still catch (1<<32)|CLONE_NEWNET.
        #expect(try Self.outcomes(Self.namespaces, .systemd, calls) == ["errno=9", "errno=1", "errno=9", "errno=1"])
    }

    @Test("clone with upper-half flags is judged on the low half; strict refuses unclean flags")
    func clone() throws {
        // CLONE_NEWUSER|CLONE_FS and CLONE_NEWNS|CLONE_FS make the kernel answer EINVAL when the
        // filter lets them through, so no process is ever created.
        let newUserFS: UInt64 = 0x1000_0000 | 0x200, newNSFS: UInt64 = 0x20000 | 0x200
        let calls = ["x86_64:56:\(1 << 32 | newUserFS):0:0:0:0", "x86_64:56:\(newNSFS):0:0:0:0",
                     "x86_64:56:\(1 << 32 | newNSFS):0:0:0:0"]
        #expect(try Self.outcomes(Self.namespaces, .kernel, calls) == ["errno=1", "errno=22", "errno=22"])
        #expect(try Self.outcomes(Self.namespaces, .strict, calls) == ["errno=1", "errno=22", "errno=1"])
        #expect(try Self.outcomes(Self.namespaces, .systemd, calls) == ["errno=1", "errno=22", "errno=22"])
        // A rule written as equality (an OCI profile, the library API): systemd's 64-bit
        // comparison misses (1<<32)|flags; the kernel acts on flags.
        var p = Policy(.allow, architectures: [.x86_64])
        try p.addRule(.errno(1), syscall: "clone", [ArgumentCondition(index: 0, .equal, newUserFS)])
        for (mode, expected) in [(ArgumentWidthMode.kernel, "call 0: errno=1"), (.systemd, "call 0: errno=22")] {
            let r = try Probe.run(try Compiler.compile(p, options: CompileOptions(argumentWidths: mode)),
                ["x86_64:56:\(1 << 32 | newUserFS):0:0:0:0"])
            #expect(r.stdoutLines.filter { $0.hasPrefix("call ") } == [expected], "\(mode): \(r)")
        }
    }

    @Test("socket((1<<32)|AF_PACKET) is refused; AF_INET still works")
    func socket() throws {
        let calls = ["x86_64:41:0x100000011:3:0", "x86_64:41:17:3:0", "x86_64:41:2:2:0", "x86_64:41:0x100000002:2:0"]
        #expect(try Self.outcomes(Self.families, .kernel, calls) == ["errno=97", "errno=97", "ret", "ret"])
        #expect(try Self.outcomes(Self.families, .systemd, calls) == ["ret", "errno=97", "ret", "ret"])
    }

    @Test("i386 through int 0x80: socket(AF_PACKET) and socketcall(SYS_SOCKET) refused, AF_INET and other sub-calls work")
    func i386() throws {
        // socketcall's arguments sit behind a pointer: with 0 a sub-call the filter lets through
        // fails with EFAULT (14).
        let calls = ["i386:359:17:3:0", "i386:359:2:2:0", "i386:102:1:0", "i386:102:2:0", "i386:102:8:0",
                     "i386:359:0x100000011:3:0"]
        #expect(try Self.outcomes(Self.families, .kernel, calls)
            == ["errno=97", "ret", "errno=97", "errno=14", "errno=14", "errno=97"])
        // systemd 252 installs no RestrictAddressFamilies= filter for i386 at all.
        #expect(try Self.outcomes(Self.families, .systemd, calls)
            == ["ret", "ret", "errno=14", "errno=14", "errno=14", "ret"])
        // An allow-list closes socketpair through socketcall as well once it restricts socketpair.
        let allow = "RestrictAddressFamilies=AF_UNIX AF_INET"
        #expect(try Self.outcomes(allow, .kernel, ["i386:359:1:1:0", "i386:359:10:2:0", "i386:102:1:0", "i386:102:3:0"])
            == ["ret", "errno=97", "errno=97", "errno=14"])
    }

    @Test("i386 ipc(SHMAT) is judged by its shmflg register like shmat(): SHM_EXEC refused, the rest reaches the kernel")
    func ipcShmat() throws {
        // shmid -1: a call the filter lets through fails with EINVAL (22).
        let calls = ["i386:117:21:-1:0x8000:0:0", "i386:117:21:-1:0:0:0", "i386:397:-1:0:0x8000", "i386:397:-1:0:0"]
        #expect(try Self.outcomes("MemoryDenyWriteExecute=yes", .kernel, calls) == ["errno=1", "errno=22", "errno=1", "errno=22"])
        // systemd 252 filters neither shmat nor ipc on i386.
        #expect(try Self.outcomes("MemoryDenyWriteExecute=yes", .systemd, calls) == ["errno=22", "errno=22", "errno=22", "errno=22"])
    }

    @Test("x32 judges socket() by the kernel's int as well")
    func x32() throws {
        let calls = ["x32:\(0x4000_0000 + 41):0x100000011:3:0", "x32:\(0x4000_0000 + 41):2:2:0"]
        // A kernel built without x32 answers ENOSYS for calls the filter lets through.
        let got = try Self.outcomes(Self.families, .kernel, calls)
        #expect(got.first == "errno=97")
        #expect(got.last != "errno=97")
    }
}
