// UnitRunner.swift: `seccompose run UNIT`: the unit's commands in systemd's order, each under the
// unit's one merged filter (except `+` commands, which systemd runs unfiltered).

import ArgumentParser
import Foundation
import SeccomposeCompiler
import SeccomposePolicy
import SeccomposeRuntime
import SeccomposeSyscalls
import SeccomposeSystemd

#if canImport(Glibc)
    import Glibc
#endif

struct UnitRunner {
    var unit: String
    var root: String
    var options: PolicyOptions
    var extraArguments: [String]
    var keepPrivileges: Bool

    /// Runs the unit; returns the exit status (228 when nothing could be run safely).
    func run() throws -> Int32 {
        let context = try options.settings.context()
        let loaded: LoadedUnit
        do { loaded = try UnitLoader.load(unit, root: root) } catch {
            Terminal.error(error.description)
            return 228
        }
        let service = ServiceDescription(loaded, context: context)
        if service.masked || service.diagnostics.contains(where: { $0.severity == .error }) {
            reportDiagnostics(service.diagnostics)
            Terminal.error("seccompose: not running \(unit): systemd refuses to load it")
            return 228
        }
        reportDiagnostics(service.diagnostics)
        let result: SystemdPolicyBuilder.Result
        do { result = try SystemdPolicyBuilder.build(service.syscalls, directives: service.directives) } catch {
            reportDiagnostics(error.diagnostics)
            Terminal.error("seccompose: not running \(unit): its filter cannot be applied (228/SECCOMP)")
            return 228
        }
        let policy: Policy, program: Program
        do { (policy, program) = try Compiler.compiled(result.policy, options: options.settings.systemd.compileOptions) } catch {
            Terminal.error(error.description)
            return 228
        }
        let environment = buildEnvironment(service)
        guard let starts = service.commands["ExecStart"], !starts.isEmpty else {
            Terminal.error("seccompose: not running \(unit): it has no ExecStart=")
            return 228
        }
        let sequence = (service.commands["ExecStartPre"] ?? []) + starts.enumerated().map { i, c in
            var c = c
            if i == starts.count - 1 { c.argv += extraArguments }
            return c
        } + (service.commands["ExecStartPost"] ?? [])
        // Type=oneshot runs every command in turn; for the other types ExecStartPost= runs once the
        // main process (the last ExecStart=) has started, and the unit's status is the main process's.
        let pre = (service.commands["ExecStartPre"] ?? []).count
        let mainIndex = service.type == "oneshot" ? nil : pre + starts.count - 1
        var main: Supervisor.Running?
        var mainSupervisor: Supervisor?
        // no_new_privs as systemd implies it: NoNewPrivileges=yes, or a seccomp option while
        // CAP_SYS_ADMIN is not effective. Seccompose switches the user before installing the
        // filter, so a non-root User= always needs it (as systemd 252 does).
        let switchesUser = service.user.map { $0 != "root" && $0 != "0" } ?? false
        let isRoot = getuid() == 0
        let impliedNNP = service.directives.setsNoNewPrivileges(settings: service.syscalls,
            keepsCapSysAdmin: isRoot && !switchesUser)
        var status: Int32 = 0
        for (index, command) in sequence.enumerated() {
            var argv = command.noEnvironmentExpansion ? command.argv : expand(command.argv, environment)
            var argv0: String?
            if command.customArgv0, argv.count >= 2 {
                argv0 = argv[1]
                argv.remove(at: 1)
            }
            guard !argv.isEmpty else { continue }
            let credentialsSwitch = switchesUser && !command.fullPrivileges && !command.noCredentialChange
            let nnp = !command.fullPrivileges && (impliedNNP || credentialsSwitch || !isRoot)
            let supervisor = Supervisor(policy: policy, program: command.fullPrivileges ? nil : program, command: argv,
                keepPrivileges: keepPrivileges || !nnp, unit: service.name.name, environment: environment.map { "\($0.0)=\($0.1)" },
                workingDirectory: service.workingDirectory.map { $0.hasPrefix("-") ? String($0.dropFirst()) : $0 },
                argv0: argv0, umask: service.umask,
                user: command.fullPrivileges || command.noCredentialChange ? nil : service.user,
                group: command.fullPrivileges || command.noCredentialChange ? nil : service.group)
            if index == mainIndex {
                switch supervisor.start() {
                case .failure(let f):
                    if !command.ignoreFailure { return f.code }
                case .success(let running):
                    (main, mainSupervisor) = (running, supervisor)
                }
                continue
            }
            let s = try supervisor.run()
            if s != 0 && !command.ignoreFailure {
                status = s
                break
            }
        }
        if let main, let mainSupervisor {
            let s = mainSupervisor.finish(main)
            if status == 0, let last = starts.last, !last.ignoreFailure { status = s }
        }
        return status
    }

    /// Environment= in order, then EnvironmentFile= files (later assignments win).
    func buildEnvironment(_ s: ServiceDescription) -> [(String, String)] {
        var env = s.environment
        for file in s.environmentFiles {
            guard let text = try? TextFile.read(file.path) else {
                if !file.optional { Terminal.error("seccompose: EnvironmentFile=\(file.path) cannot be read") }
                continue
            }
            for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
                let l = line.drop { $0 == " " || $0 == "\t" }
                guard !l.hasPrefix("#"), !l.hasPrefix(";"), let eq = l.firstIndex(of: "=") else { continue }
                var value = l[l.index(after: eq)...]
                if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                    value = value.dropFirst().dropLast()
                }
                env.append((String(l[..<eq]).trimmingCharacters(in: .whitespaces), String(value)))
            }
        }
        return env
    }

    /// `$NAME` / `${NAME}` expansion as systemd does it for Exec*= (a lone `$NAME` word splits on spaces).
    func expand(_ argv: [String], _ env: [(String, String)]) -> [String] {
        var vars = ProcessInfo.processInfo.environment
        for (k, v) in env { vars[k] = v }
        var out: [String] = []
        for word in argv {
            if word.hasPrefix("$"), !word.hasPrefix("${"), !word.hasPrefix("$$") {
                let name = String(word.dropFirst())
                if name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    out += (vars[name] ?? "").split(separator: " ").map(String.init)
                    continue
                }
            }
            var result = ""
            var rest = Substring(word)
            while let dollar = rest.firstIndex(of: "$") {
                result += rest[..<dollar]
                let after = rest[rest.index(after: dollar)...]
                if after.hasPrefix("$") {
                    result += "$"
                    rest = after.dropFirst()
                } else if after.hasPrefix("{"), let close = after.firstIndex(of: "}") {
                    result += vars[String(after[after.index(after: after.startIndex)..<close])] ?? ""
                    rest = after[after.index(after: close)...]
                } else {
                    result += "$"
                    rest = after
                }
            }
            out.append(result + rest)
        }
        return out
    }
}
