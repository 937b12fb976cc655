// RunCommand.swift: `seccompose run … -- CMD ARGS`: install the compiled program, then exec.

import ArgumentParser
import SeccomposeCompiler
import SeccomposeRuntime

#if canImport(Glibc)
    import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command under the compiled filter (ad-hoc form: --filter VALUE… -- CMD ARGS).",
        discussion: """
            Fails closed: if the settings cannot be compiled or the filter cannot be installed, the \
            command is not executed and the exit status is 228 (systemd's SECCOMP status).
            """
    )

    @OptionGroup var input: PolicyOptions

    @Flag(name: .customLong("no-new-privs-off"), help: "Do not set no_new_privs (needs CAP_SYS_ADMIN).")
    var keepPrivileges = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments.", valueName: "command"))
    var command: [String] = []

    func run() throws {
        guard let path = command.first else { throw ValidationError("give the command after '--'") }
        let program: Program
        do {
            program = try compileOrExit(try input.policy())
        } catch let e as ExitCode where e != .success {
            Terminal.error("seccompose: not running \(path): no filter")
            throw ExitCode(228)
        }
        do {
            try Seccomp.install(program, options: InstallOptions(noNewPrivileges: !keepPrivileges))
        } catch {
            Terminal.error(error.description)
            Terminal.error("seccompose: not running \(path): the filter could not be installed")
            throw ExitCode(228)
        }
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) }
        argv.append(nil)
        execvp(path, &argv)
        let e = errno
        Terminal.error("seccompose: cannot execute \(path): \(String(cString: strerror(e)))")
        throw ExitCode(e == ENOENT ? 127 : 126)
    }
}
