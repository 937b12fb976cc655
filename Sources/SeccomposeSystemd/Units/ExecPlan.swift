// ExecPlan.swift: what systemd runs to start a service, in which order and with which
// environment: ExecStartPre=, ExecStart=, ExecStartPost= and Type= semantics, Environment= and
// EnvironmentFile=, and the `$NAME` / `${NAME}` expansion of Exec*= lines.

import SeccomposeDiagnostics
import SeccomposeSyscalls

/// The commands that start a service, in systemd's order, with the environment they get.
public struct ExecPlan: Sendable {
    /// One command of the sequence.
    public struct Step: Sendable {
        /// The command as written, prefixes read.
        public var command: ExecCommand
        /// argv after environment expansion (and with the `@` prefix's argv[0] removed).
        public var argv: [String]
        /// What the program sees as argv[0] (the `@` prefix), when it differs.
        public var argv0: String?
        /// Whether this is the main process (Type= other than oneshot: the last ExecStart=);
        /// the steps after it run while it runs, and the service's status is its status.
        public var isMain: Bool
    }

    /// The steps in order.
    public var steps: [Step]
    /// Environment= then EnvironmentFile= assignments (later ones win), on top of the caller's.
    public var environment: [(String, String)]
    /// The environment the commands get: the caller's with `environment` set over it (also what
    /// `$NAME` and `${NAME}` expand to).
    public var variables: [String: String]
    /// Problems that stop the service (a missing EnvironmentFile= without `-`, no ExecStart=).
    public var diagnostics: [Diagnostic]

    /// The start sequence of `service`: ExecStartPre=, ExecStart= (the last one with
    /// `extraArguments` appended; a unit without ExecStart= runs `extraArguments` as it),
    /// ExecStartPost=. `inherited` is the environment the manager
    /// passes (systemd's own is minimal; a command-line launcher passes its own).
    public init(_ service: ServiceDescription, extraArguments: [String] = [], inherited: [String: String]) {
        var diagnostics: [Diagnostic] = []
        var env = service.environment
        for file in service.environmentFiles {
            guard let text = try? TextFile.read(file.path) else {
                if !file.optional {
                    diagnostics.append(Diagnostic(severity: .error, code: "environment-file",
                        message: "Failed to load environment files: \(file.path) cannot be read", setting: "EnvironmentFile",
                        file: service.files.first, line: 1, column: 1, text: file.path,
                        note: "systemd fails the service when a listed file is missing",
                        fix: "create the file, or write EnvironmentFile=-\(file.path) to make it optional"))
                }
                continue
            }
            env += Self.environmentFile(text)
        }
        let vars = Self.overlaid(inherited, with: env)
        variables = vars
        let pre = service.commands["ExecStartPre"] ?? []
        var starts = service.commands["ExecStart"] ?? []
        var extraArguments = extraArguments
        if starts.isEmpty, !extraArguments.isEmpty {
            // A settings-only unit (such as a learned drop-in): the command given beside it is
            // its ExecStart=, taken literally.
            starts = [ExecCommand(setting: "ExecStart", ignoreFailure: false, customArgv0: false, noEnvironmentExpansion: true,
                fullPrivileges: false, noCredentialChange: false, ambientFallback: false, viaShell: false,
                argv: extraArguments, source: ValueSource(file: nil, line: 0, valueColumn: 0))]
            extraArguments = []
        }
        if starts.isEmpty {
            diagnostics.append(Diagnostic(severity: .error, code: "no-exec-start",
                message: "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.", isSystemdMessage: true,
                setting: "ExecStart", file: service.files.first, line: 1, column: 1, text: service.name.name,
                fix: "add ExecStart=/path/to/command"))
        }
        let post = service.commands["ExecStartPost"] ?? []
        let mainIndex = service.type == "oneshot" || starts.isEmpty ? nil : pre.count + starts.count - 1
        var steps: [Step] = []
        for (i, command) in (pre + starts + post).enumerated() {
            var argv = command.noEnvironmentExpansion ? command.argv : Self.expand(command.argv, vars)
            if i == pre.count + starts.count - 1 { argv += extraArguments }
            var argv0: String?
            if command.customArgv0, argv.count >= 2 {
                argv0 = argv[1]
                argv.remove(at: 1)
            }
            guard !argv.isEmpty else { continue }
            steps.append(Step(command: command, argv: argv, argv0: argv0, isMain: i == mainIndex))
        }
        self.steps = steps
        environment = env
        self.diagnostics = diagnostics
    }

    /// `inherited` with `assignments` set over it, in order (a later assignment of a name wins).
    /// Made as a dictionary of its own at its size: setting a value in a copy of `inherited`
    /// makes the runtime scan the binary's conformance records at first use
    /// (docs/launch-performance.md, "Sixth round").
    static func overlaid(_ inherited: [String: String], with assignments: [(String, String)]) -> [String: String] {
        guard !assignments.isEmpty else { return inherited }
        var out = [String: String](minimumCapacity: inherited.count + assignments.count)
        for (k, v) in inherited { out[k] = v }
        for (k, v) in assignments { out[k] = v }
        return out
    }

    /// The assignments of an EnvironmentFile= (`#` and `;` comments, optional quotes).
    public static func environmentFile(_ text: String) -> [(String, String)] {
        var out: [(String, String)] = []
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let l = line.drop { $0 == " " || $0 == "\t" }
            guard !l.hasPrefix("#"), !l.hasPrefix(";"), let eq = l.firstIndex(of: "=") else { continue }
            var value = l[l.index(after: eq)...]
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = value.dropFirst().dropLast()
            }
            let key = l[..<eq].drop { $0 == " " || $0 == "\t" }
            out.append((String(key.reversed().drop { $0 == " " || $0 == "\t" }.reversed()), String(value)))
        }
        return out
    }

    /// `$NAME` / `${NAME}` expansion as systemd does it for Exec*= lines: a word that is exactly
    /// `$NAME` splits on spaces into several words; `${NAME}` inside a word does not split;
    /// `$$` is a literal `$`.
    public static func expand(_ argv: [String], _ vars: [String: String]) -> [String] {
        var out: [String] = []
        for word in argv {
            if word.hasPrefix("$"), !word.hasPrefix("${"), !word.hasPrefix("$$") {
                let name = String(word.dropFirst())
                if name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    out += (vars[name] ?? "").split(separator: " ").map(String.init)
                    continue
                }
            }
            // Substrings are appended as Strings: the generic `+=`/`+` of a Substring makes the
            // runtime scan its conformance records at first use (docs/launch-performance.md).
            var result = ""
            var rest = Substring(word)
            while let dollar = rest.firstIndex(of: "$") {
                result += String(rest[..<dollar])
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
            out.append(result + String(rest))
        }
        return out
    }
}
