// Valid command lines of every subcommand but learn and bench are read by the subcommand's own
// parser, without the root's (`Seccompose.subcommandParsed`); anything it does not read (errors, help, a version, a
// completion script) goes to the root's parser as before. SECCOMPOSE_NO_FAST_PATH=1 sends every
// command line through the root's parser: both must give the same status, output and errors.

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("subcommands read by their own parser and by the root's agree")
struct SubcommandParseTests {
    @Test("status, stdout and stderr are the same both ways, for valid command lines, errors and help")
    func sameOutcomes() throws {
        let seccompose = try Support.seccompose()
        let root = URL(fileURLWithPath: SeccomposeTestSupport.repositoryRoot)
        try Support.withTemporaryDirectory { dir in
            let program = dir.appendingPathComponent("p.bpf").path
            let compiled = try Support.run(seccompose, ["compile", "--systemd", "252", "--filter", "~@mount", "--format", "raw",
                "-o", program])
            try #require(compiled.status == 0, "\(compiled)")
            let cases: [([String], Int32)] = [
                (["compile", "--systemd", "252", "--filter", "@system-service", "--format", "raw"], 0),
                (["compile", "--systemd", "262", "--filter", "@system-service", "--filter", "~@privileged:EPERM", "--format", "asm"], 0),
                (["compile", "--filter=@clock", "--format=pfc", "--architectures", "x86-64 x32"], 0),
                (["compile", "--systemd", "252", "units-examples/run-hello.service", "--format", "c"], 1),
                (["compile", "--profile", "Tests/Fixtures/docker-seccomp-default.json", "--format", "json"], 1),
                (["compile", "--profile", "Tests/Fixtures/docker-seccomp-default.json", "--format", "oci"], 1),
                (["compile", "--systemd", "252", "units-examples/mistakes.service"], 1),
                (["compile", "--filter", "@clock", "-o", dir.appendingPathComponent("no-such-dir/x").path], 2),
                (["compile", "--filter", "@clock", "--lossy"], 64),
                (["compile", "--format", "nope", "--filter", "@clock"], 64),
                (["compile", "--bogus"], 64),
                (["compile"], 64),
                (["compile", "help"], 2),
                (["compile", "--help"], 0),
                (["compile", "-h"], 0),
                (["compile", "--version"], 0),
                (["expand", "--systemd", "252", "@system-service"], 0),
                (["expand", "--systemd", "252", "--filter", "@clock"], 64),
                (["syscall-filter", "--systemd", "262", "@clock", "@default"], 0),
                (["syscall-filter", "@no-such-group"], 1),
                (["resolve", "read", "openat", "59"], 0),
                (["resolve", "--arch", "nope", "read"], 64),
                (["simulate", "--systemd", "252", "--filter", "@basic-io", "read"], 0),
                (["explain", "--systemd", "252", "--filter", "@basic-io", "read"], 0),
                (["diff", "expr:@basic-io", "expr:@basic-io @clock"], 1),
                (["diff", program, "expr:~@mount"], 1),
                (["dump", "--help"], 0),
                (["run", "--filter", "@system-service", "--unit-setting", "NoNewPrivileges=yes", "--", "/bin/echo", "hi"], 0),
                (["run", "--systemd", "252", "--unit", "units-examples/run-hello.service"], 0),
                (["run", "--filter", "@system-service", "--bogus", "--", "/bin/true"], 64),
                (["run", "--filter", "@system-service", "--", "/bin/echo", "--help"], 0),
                (["check", "--format", "json", "units-examples/mistakes.service"], 1),
                (["check", "--strict", "units-examples/clean-daemon.service", "units-examples/mistakes.service",
                    "units-examples/crlf.service"], 1),
                (["check", "--systemd", "262", "--format", "json", "units-examples/every-directive.service",
                    "units-examples/unknown-group.service"], 1),
                (["check", "--format", "yaml", "units-examples/clean-daemon.service"], 64),
            ]
            for (arguments, status) in cases { try BothParsers.expectSame(seccompose, arguments, in: root, status: status) }
        }
    }
}
