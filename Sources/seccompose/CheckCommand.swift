// CheckCommand.swift: `seccompose check`: lint service units' seccomp settings.

import ArgumentParser
import SeccomposeDiagnostics
import SeccomposeRuntime
import FoundationEssentials
import Glibc
import SeccomposeOCI
import SeccomposeSets
import SeccomposePolicy
import SeccomposeSyscalls
import SeccomposeSystemd

#if canImport(Glibc)
    import Glibc
#endif

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check service units' seccomp settings: systemd's warnings and the traps it does not mention.",
        discussion: """
            UNIT is a unit name (searched under --root in systemd's unit paths, with its drop-ins) or a \
            path to a unit file. --profile checks a Docker/OCI seccomp profile or an LXC policy as well. Exit status: \
            0 clean or notes only; 1 warnings or errors (notes too with --strict); 2 a unit or \
            profile could not be read; 64 bad usage.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case text, json, sarif
    }

    @OptionGroup var systemd: SystemdOptions

    @Option(help: ArgumentHelp("The root directory for unit search paths (default: /).", valueName: "dir"))
    var root: String?

    @Option(name: .customLong("unit"), help: ArgumentHelp("A unit to check, the same as UNIT (repeatable).", valueName: "unit"))
    var unitOptions: [String] = []

    @Option(help: ArgumentHelp("The ABI systemd runs on.", valueName: "abi"))
    var native: String = Architecture.native.name

    @Flag(help: "Search the user manager's unit paths (of the invoking user) instead of the system's.")
    var user = false

    @Flag(help: "Exit with status 1 on notes too (warnings and errors always give 1).")
    var strict = false

    @Option(help: "Output: text (compiler-style), json or sarif (SARIF 2.1.0).")
    var format: Format = .text

    @Option(help: ArgumentHelp("Colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never.",
        valueName: "when"))
    var color: ColorChoice = .auto

    @Option(name: .customLong("profile"), help: ArgumentHelp("A Docker/OCI seccomp profile (JSON) or an LXC policy (version 1 or 2) to check (repeatable).", valueName: "file"))
    var profiles: [String] = []

    @Argument(help: ArgumentHelp("Units to check.", valueName: "unit"))
    var units: [String] = []

    func validate() throws {
        if color != .auto, format != .text { throw ValidationError("--color applies to --format text only") }
        if root != nil, allUnits.isEmpty { throw ValidationError("--root applies to units only: give UNIT or --unit UNIT") }
        if allUnits.isEmpty && profiles.isEmpty { throw ValidationError("give at least one unit name or unit file, or --profile FILE") }
    }

    /// `check UNIT…`'s arguments without its second and later positional units, and those units:
    /// ArgumentParser copies a positional array for every value it adds (quadratic: a fifth of
    /// the time of checking 1000 units), so `main` parses the rest and appends these to `units`.
    /// Every argument after an option that is not a known flag is left in place (it may be the
    /// option's value), and nothing is set aside when there is a `--`.
    static func setAsideUnits(_ arguments: [String]) -> (arguments: [String], units: [String]) {
        guard arguments.first == "check", !arguments.contains("--") else { return (arguments, []) }
        let flags: Set<String> = ["--user", "--strict"]
        var kept: [String] = ["check"], units: [String] = []
        var keptOne = false, optionValueNext = false
        for a in arguments.dropFirst() {
            if optionValueNext {
                optionValueNext = false
                kept.append(a)
            } else if a.hasPrefix("-") {
                optionValueNext = !flags.contains(a) && !a.contains("=")
                kept.append(a)
            } else if keptOne {
                units.append(a)
            } else {
                keptOne = true
                kept.append(a)
            }
        }
        return (kept, units)
    }

    /// The units given positionally and with --unit, in that order.
    var allUnits: [String] { units + unitOptions }

    func run() throws {
        guard let nativeABI = Architecture(name: native) else { throw ValidationError("unknown ABI '\(native)' for --native") }
        let context = SystemdContext(version: try systemd.systemdVersion(), native: nativeABI, catalog: try systemd.catalog(),
            argumentWidths: systemd.argumentWidths)
        let status = try Self.check(units: allUnits, profiles: profiles, context: context, root: root, user: user,
            strict: strict, format: format, color: color)
        if status != .success { throw ExitCode(status) }
    }

    /// Checks `units` (names searched under `root`, or files) and `profiles` as `context`'s
    /// systemd would read them, prints the reports in `format`, and returns the status to exit
    /// with (shared with `CheckFastPath`). Throws only when JSON output cannot be encoded.
    static func check(units allUnits: [String], profiles: [String], context: SystemdContext, root: String?, user: Bool,
        strict: Bool, format: Format, color: ColorChoice) throws -> ExitStatus
    {
        let nativeABI = context.native
        var reports: [CheckReport] = []
        /// Per file: its text, and how to cut it into the lines shown under findings (the last
        /// read wins); split only for text output and only for files with findings.
        var texts: [String: (text: String, isUnit: Bool)] = [:]
        var unreadable = false
        // Read once: the search paths do not depend on the unit.
        let paths: [String]
        if user {
            let env = ProcessInfo.processInfo.environment
            paths = UnitLoader.userPaths(home: env["HOME"] ?? "/root", runtime: env["XDG_RUNTIME_DIR"] ?? "/run/user/\(getuid())")
        } else {
            paths = UnitLoader.systemPaths
        }
        let directories = UnitLoader.DirectoryCache()
        for u in allUnits {
            do {
                let loaded = try UnitLoader.load(u, root: root ?? "/", searchPaths: paths,
                    asFile: UnitArgument.isPath(u, root: root), directories: directories)
                for s in loaded.sources { texts[s.path] = (s.text, true) }
                reports.append(UnitChecker.check(loaded, context: context))
            } catch {
                Terminal.error(error.description)
                unreadable = true
            }
        }
        for path in profiles {
            do {
                let text = try TextFile.read(path)
                texts[path] = (text, false)
                reports.append(ProfileCheck.check(path: path, text: text, native: nativeABI, mode: context.argumentWidths))
            } catch {
                Terminal.error(error.description)
                unreadable = true
            }
        }
        switch format {
        case .text:
            /// Per file: the text shown under a finding at each line (the physical line).
            var sources: [String: [Int: String]] = [:]
            for r in reports {
                for d in r.findings {
                    guard let file = d.file, sources[file] == nil, let (text, isUnit) = texts[file] else { continue }
                    let lines = isUnit
                        ? UnitSettingsReader.physicalLines(of: text)
                        : text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
                            .map(String.init)
                    sources[file] = Dictionary(uniqueKeysWithValues: lines.enumerated().map { ($0.offset + 1, $0.element) })
                }
            }
            Terminal.out(CheckOutput.text(reports, sources: sources, colour: color.enabled(fd: 1),
                systemd: allUnits.isEmpty ? nil : context.version))
        case .json: try Terminal.json(CheckOutput.json(reports, version: context.version.rawValue))
        case .sarif: try Terminal.json(CheckOutput.sarif(reports, currentDirectory: FileManager.default.currentDirectoryPath))
        }
        if unreadable { return .unreadable }
        if hasFindings(reports.flatMap(\.findings), strict: strict) { return .findings }
        return .success
    }
}

/// `check --profile`: an OCI profile's import errors and warnings as check findings, each at the
/// line and column of the JSON value it is about; an LXC policy's at their line and column.
enum ProfileCheck {
    static func check(path: String, text: String, native: Architecture, mode: ArgumentWidthMode) -> CheckReport {
        if LXCPolicyImporter.isLXCPolicy(text) {
            do {
                let imported = try LXCPolicyImporter.load(text: text, file: path, host: native, argumentWidths: mode)
                return CheckReport(unit: path, files: [path], findings: imported.warnings, policy: imported.policy)
            } catch {
                var finding = error.diagnostic
                finding.severity = .error
                return CheckReport(unit: path, files: [path], findings: [finding])
            }
        }
        do {
            let imported = try OCIProfileImporter.load(json: Array(text.utf8), file: path, target: OCITarget(architecture: native),
                argumentWidths: mode)
            var findings = imported.warnings.map { $0.diagnostic(file: path, text: text) }
            for i in findings.indices where findings[i].severity == .error { findings[i].severity = .warning }
            return CheckReport(unit: path, files: [path], findings: findings, policy: imported.policy)
        } catch {
            var finding = error.diagnostic(file: path, text: text)
            finding.severity = .error
            return CheckReport(unit: path, files: [path], findings: [finding])
        }
    }
}

/// Renderings of check reports (schemas: docs/json.md).
enum CheckOutput {
    /// The findings, compiler-style, and a summary line naming the systemd version units were
    /// judged as (`systemd`, nil when only profiles were checked).
    static func text(_ reports: [CheckReport], sources: [String: [Int: String]], colour: Bool, systemd: SystemdVersion?)
        -> String
    {
        func paint(_ s: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
        var out = ""
        for r in reports {
            for d in r.findings {
                let where_ = "\(d.file ?? r.unit):\(d.line):\(d.column)"
                let sev: String
                switch d.severity {
                case .error: sev = paint("error", "1;31")
                case .warning: sev = paint("warning", "1;35")
                case .note: sev = paint("note", "1;36")
                }
                out += "\(paint(where_, "1")): \(sev): \(d.message) [\(d.code)]\n"
                if let file = d.file, let line = sources[file]?[d.line] {
                    let (shown, caret) = excerpt(line, column: d.column)
                    out += "    \(shown)\n"
                    if let caret {
                        out += "    " + String(repeating: " ", count: caret - 1) + paint("^", "1;32") + "\n"
                    }
                }
                if let note = d.note { out += "  note: \(note)\n" }
                if let fix = d.fix { out += "  fix: \(fix)\n" }
            }
        }
        let e = reports.reduce(0) { $0 + $1.errorCount }, w = reports.reduce(0) { $0 + $1.warningCount }
        let n = reports.reduce(0) { $0 + $1.noteCount }
        out += "\(reports.count) unit\(reports.count == 1 ? "" : "s") checked\(systemd.map { " as systemd \($0)" } ?? ""): \(e) error\(e == 1 ? "" : "s"), \(w) warning\(w == 1 ? "" : "s")"
        out += n > 0 ? ", \(n) note\(n == 1 ? "" : "s")\n" : "\n"
        return out
    }

    /// The widest source line echoed whole; longer ones are shown as an excerpt around the column.
    static let excerptWidth = 120

    /// `line` as echoed under a finding, and the caret's column in it (nil when `column` is not
    /// on the line): a line longer than `excerptWidth` characters becomes the `excerptWidth`
    /// characters around `column`, with `…` where it was cut (a 10 MB line is never printed whole).
    static func excerpt(_ line: String, column: Int) -> (text: String, caret: Int?) {
        let count = line.count
        let onLine = column >= 1 && column <= count + 1
        guard count > excerptWidth else { return (line, onLine ? column : nil) }
        let centre = onLine ? column - 1 : 0
        let start = max(0, min(centre - excerptWidth / 2, count - excerptWidth))
        let end = min(count, start + excerptWidth)
        let from = line.index(line.startIndex, offsetBy: start), to = line.index(from, offsetBy: end - start)
        let head = start > 0 ? "…" : "", tail = end < count ? "…" : ""
        return (head + line[from..<to] + tail, onLine ? centre - start + 1 + head.count : nil)
    }

    struct UnitJSON: Encodable {
        var unit: String
        var files: [String]
        var masked: Bool
        var errors: Int
        var warnings: Int
        var notes: Int
        var findings: [Diagnostic]
    }

    struct CheckJSON: Encodable {
        var schema = "seccompose.check/1"
        /// The Seccompose version that wrote this document.
        var seccomposeVersion = SeccomposeVersion.current
        var systemd: Int
        var units: [UnitJSON]
    }

    static func json(_ reports: [CheckReport], version: Int) -> CheckJSON {
        CheckJSON(systemd: version, units: reports.map {
            UnitJSON(unit: $0.unit, files: $0.files, masked: $0.masked, errors: $0.errorCount, warnings: $0.warningCount,
                notes: $0.noteCount, findings: $0.findings)
        })
    }

    /// SARIF 2.1.0 as CI services take it: the tool's name and version, one rule per finding
    /// code with its help text (docs/diagnostics.md), and each result's file as a URI relative
    /// to `SRCROOT` (the current directory) when it lies there.
    static func sarif(_ reports: [CheckReport], currentDirectory: String) -> [String: AnyEncodable] {
        var firstMessage: [String: String] = [:]
        for r in reports { for d in r.findings where firstMessage[d.code] == nil { firstMessage[d.code] = d.message } }
        let codes = firstMessage.keys.sorted()
        let ruleIndex = Dictionary(uniqueKeysWithValues: codes.enumerated().map { ($0.element, $0.offset) })
        var results: [[String: AnyEncodable]] = []
        for r in reports {
            for d in r.findings {
                var message = d.message
                if let note = d.note { message += (message.hasSuffix(".") ? " " : ". ") + "Note: \(note)" }
                if let fix = d.fix { message += (message.hasSuffix(".") ? " " : ". ") + "Fix: \(fix)" }
                results.append([
                    "ruleId": AnyEncodable(d.code),
                    "ruleIndex": AnyEncodable(ruleIndex[d.code] ?? 0),
                    "level": AnyEncodable(d.severity == .error ? "error" : d.severity == .warning ? "warning" : "note"),
                    "message": AnyEncodable(["text": message]),
                    "locations": AnyEncodable([[
                        "physicalLocation": AnyEncodable([
                            "artifactLocation": artifactLocation(d.file ?? r.unit, currentDirectory: currentDirectory),
                            "region": AnyEncodable(["startLine": max(1, d.line), "startColumn": max(1, d.column)]),
                        ])
                    ]]),
                ])
            }
        }
        let rules: [[String: AnyEncodable]] = codes.map { code in
            let help = DiagnosticCodes.help(for: code) ?? firstMessage[code] ?? code
            return [
                "id": AnyEncodable(code),
                "name": AnyEncodable(code.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()),
                "shortDescription": AnyEncodable(["text": code.replacing("-", with: " ")]),
                "fullDescription": AnyEncodable(["text": help]),
                "help": AnyEncodable(["text": help]),
            ]
        }
        let driver: [String: AnyEncodable] = [
            "name": AnyEncodable("seccompose"),
            "version": AnyEncodable(SeccomposeVersion.current),
            "semanticVersion": AnyEncodable(SeccomposeVersion.current),
            "rules": AnyEncodable(rules),
        ]
        let base = currentDirectory.hasSuffix("/") ? currentDirectory : currentDirectory + "/"
        return [
            "$schema": AnyEncodable("https://json.schemastore.org/sarif-2.1.0.json"),
            "version": AnyEncodable("2.1.0"),
            "runs": AnyEncodable([[
                "tool": AnyEncodable(["driver": AnyEncodable(driver)]),
                "originalUriBaseIds": AnyEncodable(["SRCROOT": ["uri": fileURI(base)]]),
                "results": AnyEncodable(results),
            ]]),
        ]
    }

    /// A file's SARIF artifact location: relative to `SRCROOT` when the path is relative or lies
    /// under the current directory, an absolute `file://` URI otherwise.
    static func artifactLocation(_ path: String, currentDirectory: String) -> AnyEncodable {
        let base = currentDirectory.hasSuffix("/") ? currentDirectory : currentDirectory + "/"
        var relative: String?
        if !path.hasPrefix("/") {
            relative = path.hasPrefix("./") ? String(path.dropFirst(2)) : path
        } else if path.hasPrefix(base) {
            relative = String(path.dropFirst(base.count))
        }
        if let relative {
            return AnyEncodable(["uri": AnyEncodable(uriPath(relative)), "uriBaseId": AnyEncodable("SRCROOT")])
        }
        return AnyEncodable(["uri": AnyEncodable(fileURI(path))])
    }

    /// `path` percent-encoded for a URI's path.
    static func uriPath(_ path: String) -> String {
        // RFC 3986 path characters (Foundation's urlPathAllowed) without ';'; every other byte
        // of the UTF-8 text as %XX.
        let allowed = Set("!$&'()*+,-./:=@_~".utf8)
        var out = ""
        for b in path.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || allowed.contains(b) {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(b >> 4)])
                out.unicodeScalars.append(hex[Int(b & 0xF)])
            }
        }
        return out
    }

    /// An absolute path as a `file://` URI.
    static func fileURI(_ absolutePath: String) -> String { "file://" + uriPath(absolutePath) }
}
