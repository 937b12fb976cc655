// ServiceDescription.swift: what a service unit asks for: its commands, credentials,
// environment, and its seccomp settings, read from the fragment and drop-ins in order.

import SeccomposeDiagnostics
import SeccomposeSets

/// One command line of ExecStart= and friends, with its prefixes.
public struct ExecCommand: Sendable, Hashable {
    /// The setting, e.g. `ExecStartPre`.
    public var setting: String
    /// `-`: a failure exit status is ignored.
    public var ignoreFailure: Bool
    /// `@`: the second word is argv[0].
    public var customArgv0: Bool
    /// `:`: no environment variable expansion.
    public var noEnvironmentExpansion: Bool
    /// `+`: full privileges; no sandboxing and NO seccomp filter at all.
    public var fullPrivileges: Bool
    /// `!`: no credential change (User=/Group= skipped); filters still apply.
    public var noCredentialChange: Bool
    /// `!!`: like `!` only without ambient capabilities (removed in v258).
    public var ambientFallback: Bool
    /// `|`: run through the user's shell (v258+).
    public var viaShell: Bool
    /// The executable and its arguments (argv, after specifier expansion).
    public var argv: [String]
    /// Where the command was written.
    public var source: ValueSource
}

/// A service unit as Seccompose reads it.
public struct ServiceDescription: Sendable {
    public var name: UnitName
    /// The files read, in parse order.
    public var files: [String]
    public var masked: Bool
    public var type: String = "simple"
    /// ExecStartPre=, ExecStart=, ExecStartPost=, ExecStop=, … in order per setting.
    public var commands: [String: [ExecCommand]] = [:]
    public var user: String?
    public var group: String?
    public var workingDirectory: String?
    /// Environment= assignments, in order (later ones win).
    public var environment: [(String, String)] = []
    /// EnvironmentFile= paths; `-` prefixed ones may be missing.
    public var environmentFiles: [(path: String, optional: Bool)] = []
    public var umask: UInt32?
    public var noNewPrivileges: Bool?
    /// The SystemCall*= settings.
    public var syscalls: SystemCallSettings
    /// The other seccomp-backed directives (RestrictAddressFamilies=, Protect*=, …).
    public var directives: ExecDirectives
    /// Every unit-file assignment in parse order (for directive readers layered on top).
    public var assignments: [UnitAssignment] = []
    /// Diagnostics of the reader and of the SystemCall*= settings.
    public var diagnostics: [Diagnostic] = []

    /// The unit's sandboxing settings that `seccompose run` does not apply (`ProtectSystem=`,
    /// `PrivateTmp=`, `CapabilityBoundingSet=` …), as in effect after resets and overrides, in
    /// file order, each with its position; see `UnitKeys.unappliedDirectives(of:version:)`.
    public var unappliedDirectives: [UnappliedDirective] {
        UnitKeys.unappliedDirectives(of: assignments, version: directives.context.version)
    }

    static let execSettings: Set<String> = [
        "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost", "ExecCondition",
    ]

    static let knownSections: Set<String> = ["Unit", "Service", "Install", "Socket", "Mount", "Swap"]

    /// `knownSections.contains(section)`, compared as Strings: six comparisons of small strings
    /// cost less than hashing the name.
    static func isKnownSection(_ section: String) -> Bool {
        section == "Service" || section == "Unit" || section == "Install" || SystemCallSettings.isExecSection(section)
    }

    /// What `apply` does with a key (besides the unknown-key check).
    enum KeyKind: Sendable {
        case systemCall, directive, command, type, user, group, workingDirectory, environment, environmentFile, umask
    }

    /// Each key `apply` reads, with what it does with it, in the order `apply` tells them apart
    /// (a SystemCall*= key before a directive before a command): one look-up instead of a set and a
    /// list per kind.
    static let keyKinds: [String: KeyKind] = {
        var kinds: [String: KeyKind] = [:]
        for key in ["SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "SystemCallLog"] {
            kinds[key] = .systemCall
        }
        for key in ExecDirectives.keys where kinds[key] == nil { kinds[key] = .directive }
        for key in execSettings where kinds[key] == nil { kinds[key] = .command }
        let named: [(String, KeyKind)] = [("Type", .type), ("User", .user), ("Group", .group),
            ("WorkingDirectory", .workingDirectory), ("Environment", .environment), ("EnvironmentFile", .environmentFile),
            ("UMask", .umask)]
        for (key, kind) in named where kinds[key] == nil { kinds[key] = kind }
        return kinds
    }()


    /// Reads a loaded unit.
    public init(_ unit: LoadedUnit, context: SystemdContext) {
        name = unit.name
        files = unit.sources.isEmpty ? unit.fragmentPath.map { [$0] } ?? [] : unit.sources.map(\.path)
        masked = unit.masked
        syscalls = SystemCallSettings(context: context)
        syscalls.recordsSteps = true  // for check's comparison of the versions (UnitChecker.versionDifferences)
        directives = ExecDirectives(context: context)
        if unit.masked {
            diagnostics.append(Diagnostic(severity: .error, code: "masked-unit", message: "Unit \(unit.name) is masked.",
                isSystemdMessage: true, setting: "", file: unit.fragmentPath, line: 1, column: 1, text: unit.name.name,
                note: "an empty unit file or a link to /dev/null masks the unit; it cannot be started",
                fix: "unmask it (remove the empty file or the link)"))
            return
        }
        let fragmentPath = unit.sources.first?.path ?? ""
        let specifiers = SpecifierContext(unit: unit.name, fragmentPath: fragmentPath)
        for source in unit.sources {
            let (assignments, lineDiags) = UnitSettingsReader.assignments(of: source.text, file: source.path)
            diagnostics += lineDiags
            if lineDiags.contains(where: { $0.severity == .error }) { return }
            var warnedSections: Set<String> = []
            for a in assignments {
                self.assignments.append(a)
                if !Self.isKnownSection(a.section) && !a.section.hasPrefix("X-") {
                    if warnedSections.insert(a.section).inserted {
                        diagnostics.append(Diagnostic(severity: .warning, code: "unknown-section",
                            message: "Unknown section '\(a.section)'. Ignoring.", isSystemdMessage: true, setting: "",
                            file: a.source.file, line: a.keyLine, column: 1, text: a.section, note: nil,
                            fix: "service units use [Unit], [Service] and [Install]"))
                    }
                    continue
                }
                apply(a, specifiers: specifiers)
            }
        }
        diagnostics += Self.execStartCount(type: type, starts: commands["ExecStart"] ?? [])
    }

    /// systemd's `service_verify()`: only `Type=oneshot` may have more than one `ExecStart=`;
    /// any other type makes systemd refuse to load the unit.
    static func execStartCount(type: String, starts: [ExecCommand]) -> [Diagnostic] {
        guard type != "oneshot", starts.count > 1 else { return [] }
        let second = starts[1]
        return [Diagnostic(severity: .error, code: "multiple-exec-start",
            message: "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.",
            isSystemdMessage: true, setting: "ExecStart", file: second.source.file, line: second.source.line,
            column: second.source.valueColumn, text: second.argv.joined(separator: " "),
            note: "Type=\(type) has one main process; systemd refuses the unit and starts nothing",
            fix: "keep one ExecStart= (move set-up commands to ExecStartPre=), or set Type=oneshot")]
    }

    mutating func apply(_ a: UnitAssignment, specifiers: SpecifierContext) {
        if let unknown = UnitKeys.unknownKeyDiagnostic(a, version: directives.context.version) {
            diagnostics.append(unknown)
            return
        }
        let inExec = SystemCallSettings.isExecSection(a.section)
        let kind = Self.keyKinds[a.key]
        if inExec, kind == .systemCall {
            diagnostics += syscalls.apply(a)
            return
        }
        if inExec, kind == .directive {
            diagnostics += directives.apply(a)
            if a.key == "NoNewPrivileges" { noNewPrivileges = directives.noNewPrivileges }
            return
        }
        guard a.section == "Service" else { return }
        func expanded(_ v: String) -> String {
            let (text, unknown) = specifiers.expand(v)
            for (c, offset) in unknown {
                let place = a.source.place(advancedBy: offset)
                diagnostics.append(Diagnostic(severity: .warning, code: "unknown-specifier",
                    message: "Failed to resolve unit specifiers in \(v), ignoring: Bad message", isSystemdMessage: false,
                    setting: a.key, file: a.source.file, line: place.line, column: place.column,
                    text: "%\(c)", note: "'%\(c)' is not a specifier", fix: "write '%%' for a literal percent sign"))
            }
            return text
        }
        switch kind {
        case .command?:
            if a.value.isEmpty {
                commands[a.key] = []
                return
            }
            commands[a.key, default: []] += parseCommands(a, expand: expanded)
        case .type?: type = a.value.isEmpty ? "simple" : a.value
        case .user?:
            user = a.value.isEmpty ? nil : expanded(a.value)
            if let u = user, u == "nobody" || u == "65534" {
                diagnostics.append(Diagnostic(severity: .warning, code: "unsafe-user",
                    message: "Special user \(u) configured, this is not safe!", isSystemdMessage: true, setting: a.key,
                    file: a.source.file, line: a.source.line, column: a.source.valueColumn, text: a.value,
                    note: "files and processes owned by nobody are shared with every other such service",
                    fix: "use DynamicUser=yes or a dedicated system user"))
            }
        case .group?: group = a.value.isEmpty ? nil : expanded(a.value)
        case .workingDirectory?: workingDirectory = a.value.isEmpty ? nil : expanded(a.value)
        case .environment?:
            if a.value.isEmpty {
                environment = []
                return
            }
            for w in WordSplitter.split(a.value, unquote: true, cUnescape: true).words {
                let text = expanded(w.text)
                guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                    let place = a.source.place(advancedBy: w.column - 1)
                    diagnostics.append(Diagnostic(severity: .warning, code: "invalid-environment",
                        message: "Invalid environment assignment, ignoring: \(w.text)", isSystemdMessage: true,
                        setting: a.key, file: a.source.file, line: place.line, column: place.column,
                        text: w.raw, note: nil, fix: "write NAME=VALUE"))
                    continue
                }
                environment.append((String(text[..<eq]), String(text[text.index(after: eq)...])))
            }
        case .environmentFile?:
            if a.value.isEmpty {
                environmentFiles = []
                return
            }
            let optional = a.value.hasPrefix("-")
            environmentFiles.append((expanded(optional ? String(a.value.dropFirst()) : a.value), optional))
        case .umask?:
            guard let m = UInt32(a.value, radix: 8), m <= 0o777 else {
                diagnostics.append(invalid(a, "Failed to parse UMask= value, ignoring: \(a.value)", "write an octal mask such as 0027"))
                return
            }
            umask = m
        default:
            break
        }
    }

    func invalid(_ a: UnitAssignment, _ message: String, _ fix: String) -> Diagnostic {
        Diagnostic(severity: .warning, code: "invalid-value", message: message, isSystemdMessage: true, setting: a.key,
            file: a.source.file, line: a.source.line, column: a.source.valueColumn, text: a.value, note: nil, fix: fix)
    }

    /// systemd's `parse_boolean`.
    public static func parseBoolean(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "1", "yes", "y", "true", "t", "on": return true
        case "0", "no", "n", "false", "f", "off": return false
        default: return nil
        }
    }

    /// `"-@:+!|".contains(c)`: a Character equal to one of these is that one ASCII scalar alone (none
    /// is the canonical equivalent of anything else), so it is told by its one byte, without
    /// comparing Characters one by one.
    static func isCommandPrefix(_ c: Character) -> Bool {
        guard c.utf8.count == 1, let b = c.utf8.first else { return false }
        switch b {
        case UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "!"), UInt8(ascii: "|"):
            return true
        default:
            return false
        }
    }

    /// Splits one Exec*= value into commands (a lone `;` separates them) and reads the prefixes.
    func parseCommands(_ a: UnitAssignment, expand: (String) -> String) -> [ExecCommand] {
        var out: [ExecCommand] = []
        var current: [ValueWord] = []
        let words = WordSplitter.split(a.value, unquote: true, cUnescape: true).words
        func flush() {
            guard var first = current.first else { return }
            var cmd = ExecCommand(setting: a.key, ignoreFailure: false, customArgv0: false, noEnvironmentExpansion: false,
                fullPrivileges: false, noCredentialChange: false, ambientFallback: false, viaShell: false, argv: [],
                source: a.source.advanced(by: first.column - 1))
            var prefix = Substring(first.text)
            while let c = prefix.first, Self.isCommandPrefix(c) {
                switch c {
                case "-": cmd.ignoreFailure = true
                case "@": cmd.customArgv0 = true
                case ":": cmd.noEnvironmentExpansion = true
                case "+": cmd.fullPrivileges = true
                case "|": cmd.viaShell = true
                default:
                    if prefix.hasPrefix("!!") {
                        cmd.ambientFallback = true
                        prefix = prefix.dropFirst()
                    } else {
                        cmd.noCredentialChange = true
                    }
                }
                prefix = prefix.dropFirst()
            }
            first.text = String(prefix)
            current[0] = first
            cmd.argv = current.map { expand($0.text) }
            if cmd.argv.first?.isEmpty == true { cmd.argv.removeFirst() }
            out.append(cmd)
            current = []
        }
        for w in words {
            if w.raw == ";" {
                flush()
            } else {
                current.append(w)
            }
        }
        flush()
        return out
    }
}
