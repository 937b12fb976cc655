import Foundation
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeTestSupport
import Testing

@testable import SeccomposeSystemd

/// Reads a service unit from text, as if it were FILE (no drop-ins).
func describe(_ text: String, file: String = "/etc/systemd/system/t.service", version: SystemdVersion = .v252)
    throws -> ServiceDescription
{
    let name = try #require(UnitName(validating: "t.service"))
    let unit = LoadedUnit(name: name, sources: [UnitSource(path: file, text: text, isDropIn: false)], masked: false,
        fragmentPath: file)
    return ServiceDescription(unit, context: try SystemdContext(version: version, native: .x86_64))
}

@Suite("data/unit-keys: invariants, embedding, freshness")
struct UnitKeyDataTests {
    static let directory = repositoryRoot + "/data/unit-keys"
    static let files = ["Unit", "Service", "Install", "unapplied-sandboxing"]

    static func lines(_ version: SystemdVersion, _ name: String) throws -> [String] {
        let text = try TextFile.read(directory + "/\(version)/\(name).txt")
        #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"), "\(version)/\(name).txt: one key a line, no blank line")
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test("sorted, unique, one key a line, only letters and digits", arguments: SystemdVersion.allCases)
    func invariants(version: SystemdVersion) throws {
        for name in Self.files {
            let keys = try Self.lines(version, name)
            #expect(!keys.isEmpty, "\(version)/\(name).txt is empty")
            for k in keys {
                #expect(!k.isEmpty && k.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x41...0x5a).contains($0) || (0x61...0x7a).contains($0) },
                    "\(version)/\(name).txt: '\(k)'")
            }
            for (a, b) in zip(keys, keys.dropFirst()) {
                #expect(Array(a.utf8).lexicographicallyPrecedes(Array(b.utf8)), "\(version)/\(name).txt: '\(a)' before '\(b)'")
            }
        }
    }

    @Test("the keys Seccompose reads are there; sandboxing ⊂ [Service] and disjoint from the seccomp-backed keys",
        arguments: SystemdVersion.allCases)
    func knownKeys(version: SystemdVersion) throws {
        let service = Set(try Self.lines(version, "Service"))
        let unit = Set(try Self.lines(version, "Unit"))
        let install = Set(try Self.lines(version, "Install"))
        let sandboxing = Set(try Self.lines(version, "unapplied-sandboxing"))
        #expect(UnitKeys.seccompBackedKeys.subtracting(service).isEmpty)
        #expect(UnitKeys.seccompBackedKeys.count == 18)
        let read: Set<String> = ["ExecStart", "ExecStartPre", "ExecStartPost", "ExecStop", "ExecStopPost", "ExecReload",
            "ExecCondition", "Type", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile", "UMask"]
        #expect(read.subtracting(service).isEmpty)
        #expect(sandboxing.isSubset(of: service))
        #expect(sandboxing.isDisjoint(with: UnitKeys.seccompBackedKeys))
        #expect(sandboxing.isDisjoint(with: read))
        let named: Set<String> = ["ProtectSystem", "ProtectHome", "PrivateTmp", "PrivateNetwork", "PrivateUsers",
            "CapabilityBoundingSet", "AmbientCapabilities", "DynamicUser", "ReadOnlyPaths", "InaccessiblePaths"]
        #expect(named.isSubset(of: sandboxing))
        #expect(["Description", "After", "Wants", "Documentation"].allSatisfy(unit.contains))
        #expect(["WantedBy", "RequiredBy", "Alias", "Also", "DefaultInstance"].allSatisfy(install.contains))
        // A [Service] key is not a [Unit] key and the other way round, except the documented
        // compatibility ones that systemd lists in both (StartLimit*=, FailureAction=, RebootArgument=).
        #expect(unit.intersection(service).isSubset(of: ["StartLimitAction", "StartLimitBurst", "StartLimitInterval",
            "FailureAction", "RebootArgument"]))
        for name in Self.files.dropLast() {
            #expect(UnitKeys.keys(in: name, version: version) == (try Self.lines(version, name)))
        }
        #expect(UnitKeys.unappliedSandboxingKeys(version: version) == (try Self.lines(version, "unapplied-sandboxing")))
    }

    @Test("262.1 knows every key 252 knows, and more")
    func versions() throws {
        for name in Self.files {
            let old = Set(try Self.lines(.v252, name)), new = Set(try Self.lines(.v262, name))
            #expect(old.isSubset(of: new), "\(name): \(old.subtracting(new).sorted())")
        }
        #expect(try Self.lines(.v252, "Service").count == 247 && Self.lines(.v262, "Service").count == 303)
        #expect(try Self.lines(.v252, "Unit").count == 114 && Self.lines(.v262, "Unit").count == 126)
        #expect(try Self.lines(.v252, "Install").count == 5 && Self.lines(.v262, "Install").count == 6)
    }

    @Test("the embedded copy equals the files (run scripts/gen-unit-keys.py after editing data/unit-keys/)")
    func embeddedIsFresh() throws {
        let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 scripts/gen-unit-keys.py --check", repositoryRoot])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        for (name, text) in UnitKeysData.files {
            #expect(try TextFile.read(Self.directory + "/\(name).txt") == text)
        }
        #expect(UnitKeysData.files.count == 2 * Self.files.count)
    }

    /// What the 252 lists can be regenerated from here: a source tree named by
    /// SECCOMPOSE_SYSTEMD_252_SOURCE, else Debian 12's installed systemd 252 library.
    static let source252: [String]? = {
        if let dir = ProcessInfo.processInfo.environment["SECCOMPOSE_SYSTEMD_252_SOURCE"],
            FileManager.default.fileExists(atPath: dir + "/src/core/load-fragment-gperf.gperf.in")
        {
            return ["--source", dir]
        }
        let lib = "/usr/lib/x86_64-linux-gnu/systemd/libsystemd-core-252.so"
        return FileManager.default.fileExists(atPath: lib) ? ["--binary", lib] : nil
    }()

    /// The same for 262: SECCOMPOSE_SYSTEMD_262_SOURCE (a source tree) or
    /// SECCOMPOSE_SYSTEMD_262_LIBCORE (libsystemd-core-262.so of the 262.1 package).
    static let source262: [String]? = {
        let env = ProcessInfo.processInfo.environment
        if let dir = env["SECCOMPOSE_SYSTEMD_262_SOURCE"],
            FileManager.default.fileExists(atPath: dir + "/src/core/load-fragment-gperf.gperf.in")
        {
            return ["--source", dir]
        }
        if let lib = env["SECCOMPOSE_SYSTEMD_262_LIBCORE"], FileManager.default.fileExists(atPath: lib) {
            return ["--binary", lib]
        }
        return nil
    }()

    @Test("the 252 lists are what systemd 252's parser table holds", .enabled(if: source252 != nil))
    func fresh252() throws {
        let args = (Self.source252 ?? []).map { "'\($0)'" }.joined(separator: " ")
        let r = try Support.run("/bin/sh",
            ["-c", "cd \"$0\" && exec python3 scripts/gen-unit-keys.py --check --version 252 \(args)", repositoryRoot])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    @Test("the 262 lists are what systemd 262.1's parser table holds", .enabled(if: source262 != nil))
    func fresh262() throws {
        let args = (Self.source262 ?? []).map { "'\($0)'" }.joined(separator: " ")
        let r = try Support.run("/bin/sh",
            ["-c", "cd \"$0\" && exec python3 scripts/gen-unit-keys.py --check --version 262 \(args)", repositoryRoot])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    }

    @Test("the generator reads a gperf table: macros expanded, both {% if %} branches, [Install] from install.c")
    func generatorOnAMiniatureTree() throws {
        let dir = NSTemporaryDirectory() + "seccompose-unit-keys-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/src/core", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/src/shared", withIntermediateDirectories: true)
        try """
            {%- macro EXEC_CONTEXT_CONFIG_ITEMS(type) -%}
            {{type}}.User,          config_parse_user,     0, 0
            {% if HAVE_SECCOMP %}
            {{type}}.SystemCallFilter, config_parse_syscall_filter, 0, 0
            {% else %}
            {{type}}.SystemCallFilter, config_parse_warn_compat, DISABLED_CONFIGURATION, 0
            {% endif %}
            {%- endmacro -%}
            %{
            #include <stddef.h>
            %}
            struct ConfigPerfItem;
            %%
            Unit.Description,  config_parse_unit_string_printf, 0, 0
            {# a comment #}
            Service.Type,      config_parse_service_type, 0, 0
            {{ EXEC_CONTEXT_CONFIG_ITEMS('Service') }}
            {{ EXEC_CONTEXT_CONFIG_ITEMS('Socket') }}
            Install.Alias,     NULL, 0, 0

            """.write(toFile: dir + "/src/core/load-fragment-gperf.gperf.in", atomically: true, encoding: .utf8)
        try """
                        { "Install", "Alias",    config_parse_alias, 0, &info->aliases },
                        { "Install", "WantedBy", config_parse_strv,  0, &info->wanted_by },

            """.write(toFile: dir + "/src/shared/install.c", atomically: true, encoding: .utf8)
        let script = """
            import importlib.util, sys
            spec = importlib.util.spec_from_file_location("g", "scripts/gen-unit-keys.py")
            g = importlib.util.module_from_spec(spec); spec.loader.exec_module(g)
            k = g.keys_from_gperf(open(sys.argv[1] + "/src/core/load-fragment-gperf.gperf.in").read())
            i = g.install_keys_from_install_c(open(sys.argv[1] + "/src/shared/install.c").read())
            print(sorted(k["Unit"]), sorted(k["Service"]), sorted(k["Socket"]), sorted(k["Install"] | i))
            """
        let r = try Support.run("/bin/sh", ["-c", "cd \"$0\" && exec python3 -c \"$1\" \"$2\"", repositoryRoot, script, dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "['Description'] ['SystemCallFilter', 'Type', 'User'] ['SystemCallFilter', 'User'] ['Alias', 'WantedBy']\n")
    }
}

@Suite("what the launcher does with each key")
struct UnitKeyClassTests {
    @Test("seccomp-backed, unapplied sandboxing, other known keys, X- keys and unknown keys with a suggestion")
    func classify() {
        #expect(UnitKeys.classify("SystemCallFilter", version: .v252) == .seccompBacked)
        #expect(UnitKeys.classify("RestrictNamespaces", version: .v262) == .seccompBacked)
        #expect(UnitKeys.classify("PrivateDevices", version: .v252) == .seccompBacked)
        #expect(UnitKeys.classify("ProtectSystem", version: .v252) == .unappliedSandboxing)
        #expect(UnitKeys.classify("PrivateTmp", version: .v262) == .unappliedSandboxing)
        #expect(UnitKeys.classify("CapabilityBoundingSet", version: .v252) == .unappliedSandboxing)
        #expect(UnitKeys.classify("ExecStart", version: .v252) == .known)
        #expect(UnitKeys.classify("MemoryMax", version: .v252) == .known)
        #expect(UnitKeys.classify("Description", section: "Unit", version: .v252) == .known)
        #expect(UnitKeys.classify("WantedBy", section: "Install", version: .v252) == .known)
        #expect(UnitKeys.classify("X-Custom", version: .v252) == .extensionKey)
        #expect(UnitKeys.classify("SystemCalFilter", version: .v252) == .unknown(suggestion: "SystemCallFilter"))
        #expect(UnitKeys.classify("systemcallfilter", version: .v262) == .unknown(suggestion: "SystemCallFilter"))
        #expect(UnitKeys.classify("ProtectSytem", version: .v262) == .unknown(suggestion: "ProtectSystem"))
        #expect(UnitKeys.classify("Frobnicate", version: .v252) == .unknown(suggestion: nil))
        // Keys are per section: ExecStart= is not a [Unit] key.
        #expect(UnitKeys.classify("ExecStart", section: "Unit", version: .v252) == .unknown(suggestion: nil))
        // PrivatePIDs= came after 252.
        #expect(UnitKeys.classify("PrivatePIDs", version: .v252) == .unknown(suggestion: nil))
        #expect(UnitKeys.classify("PrivatePIDs", version: .v262) == .unappliedSandboxing)
        // Sections not listed keep the reader's behaviour.
        #expect(UnitKeys.classify("Anything", section: "Socket", version: .v252) == .known)
    }

    @Test("a --unit-setting with an unknown key gets systemd's warning, a position and a fix")
    func unitSetting() throws {
        let a = UnitAssignment(section: "Service", key: "SystemCalFilter", value: "~@mount",
            source: ValueSource(file: nil, line: 1, valueColumn: 17))
        let d = try #require(UnitKeys.unknownKeyDiagnostic(a, version: .v252))
        #expect(d.code == "unknown-key" && d.isSystemdMessage && d.weakensFilter)
        #expect(d.description == """
            <command line>:1:1: warning: Unknown key 'SystemCalFilter' in section [Service], ignoring. [unknown-key]
              fix: did you mean 'SystemCallFilter'?
            """)
        let ok = UnitAssignment(section: "Service", key: "ProtectSystem", value: "strict",
            source: ValueSource(file: nil, line: 1, valueColumn: 15))
        #expect(UnitKeys.unknownKeyDiagnostic(ok, version: .v252) == nil)
    }

    @Test("the parts of seccomp-backed keys that only systemd applies are named")
    func unappliedParts() {
        #expect(UnitKeys.unappliedParts(of: "PrivateDevices")?.contains("/dev") == true)
        #expect(UnitKeys.unappliedParts(of: "SystemCallFilter") == nil)
        for key in ["PrivateDevices", "ProtectKernelTunables", "ProtectKernelModules", "ProtectKernelLogs", "ProtectClock",
            "ProtectHostname"]
        {
            #expect(UnitKeys.seccompBackedKeys.contains(key))
        }
    }
}

@Suite("unknown keys in unit files")
struct UnknownKeyTests {
    @Test("SystemCalFilter=~@mount is reported at its position with a fix, and blocks run")
    func typo() throws {
        let s = try describe("""
            [Unit]
            Description=typo

            [Service]
            ExecStart=/bin/true
              SystemCalFilter=~@mount

            """)
        let d = try #require(s.diagnostics.first { $0.code == "unknown-key" })
        #expect(s.diagnostics.count == 1)
        #expect(d.file == "/etc/systemd/system/t.service" && d.line == 6 && d.column == 3)
        #expect(d.message == "Unknown key 'SystemCalFilter' in section [Service], ignoring.")
        #expect(d.fix == "did you mean 'SystemCallFilter'?")
        #expect(d.weakensFilter)
        #expect(s.syscalls.filter.isEmpty)
    }

    @Test("every unknown key of [Unit], [Service] and [Install] is reported; X- keys and other sections are not")
    func everyKey() throws {
        let s = try describe("""
            [Unit]
            Descripton=x
            X-Vendor=1
            [Service]
            ExecStart=/bin/true
            Frobnicate=yes
            ProtectSystem=strict
            PrivatePIDs=yes
            [Install]
            WantedBy=multi-user.target
            WantedByy=x
            ExecStart=/bin/false
            [X-Mine]
            Anything=1
            [Sevice]
            SystemCallFilter=@basic-io

            """)
        let unknown = s.diagnostics.filter { $0.code == "unknown-key" }
        #expect(unknown.map(\.text) == ["Descripton", "Frobnicate", "PrivatePIDs", "WantedByy", "ExecStart"])
        #expect(unknown.map(\.line) == [2, 6, 8, 11, 12])
        #expect(unknown.map(\.fix) == [
            "did you mean 'Description'?",
            "see systemd.service(5), systemd.exec(5), systemd.kill(5) and systemd.resource-control(5) for the [Service] keys; prefix a custom key with X-",
            "remove the line, or emulate systemd 262",
            "did you mean 'WantedBy'?",
            "move the line into [Service]",
        ])
        #expect(unknown[2].note == "PrivatePIDs= exists in systemd 262, not in 252")
        #expect(s.diagnostics.filter { $0.code == "unknown-section" }.map(\.text) == ["Sevice"])
        #expect(s.diagnostics.allSatisfy { $0.weakensFilter })
        // The same unit under 262 knows PrivatePIDs=.
        let s262 = try describe("[Service]\nPrivatePIDs=yes\n", version: .v262)
        #expect(s262.diagnostics.isEmpty)
    }

    @Test("the example units and a typical hardened unit have no unknown key")
    func examples() throws {
        let dir = repositoryRoot + "/units-examples"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".service") }
        #expect(!files.isEmpty)
        for f in files {
            let s = try describe(try TextFile.read(dir + "/" + f), file: f)
            let unknown = s.diagnostics.filter { $0.code == "unknown-key" }
            #expect(unknown.allSatisfy { $0.text.hasPrefix("SystemCal") || $0.text.hasPrefix("Restrict") || f.contains("mistake") },
                "\(f): \(unknown)")
        }
        let hardened = try describe("""
            [Unit]
            Description=d
            After=network.target
            Documentation=man:d(8)
            [Service]
            Type=notify
            ExecStart=/usr/bin/d
            Restart=on-failure
            DynamicUser=yes
            ProtectSystem=strict
            ProtectHome=yes
            PrivateTmp=yes
            CapabilityBoundingSet=
            SystemCallFilter=@system-service
            SystemCallArchitectures=native
            MemoryMax=1G
            LimitNOFILE=65536
            [Install]
            WantedBy=multi-user.target

            """)
        #expect(hardened.diagnostics.isEmpty)
    }
}

@Suite("Diagnostic.weakensFilter: the inputs of issue 11 block, advisory findings do not")
struct WeakensFilterTests {
    func context(_ v: SystemdVersion = .v252) throws -> SystemdContext {
        try SystemdContext(version: v, native: .x86_64)
    }

    func expectBlocking(_ diags: [Diagnostic], _ code: String, line: Int = 1, column: Int,
        sourceLocation: SourceLocation = #_sourceLocation) throws
    {
        let d = try #require(diags.first { $0.code == code }, "\(diags)", sourceLocation: sourceLocation)
        #expect(d.weakensFilter, sourceLocation: sourceLocation)
        #expect(d.fix?.isEmpty == false, "no fix: \(d)", sourceLocation: sourceLocation)
        #expect(d.line == line && d.column == column, "\(d)", sourceLocation: sourceLocation)
        #expect(d.description.hasPrefix("<command line>:\(line):\(column): warning: "), sourceLocation: sourceLocation)
    }

    @Test("--filter '~@sytem-service', --error-number EWHATEVER, --architectures bogus, ~uname:4096")
    func systemCallSettings() throws {
        var s = SystemCallSettings(context: try context())
        try expectBlocking(s.applyFilter("~@sytem-service", source: ValueSource(file: nil, line: 1)), "unknown-group",
            column: 2)
        try expectBlocking(s.applyErrorNumber("EWHATEVER", source: ValueSource(file: nil, line: 1)), "invalid-errno",
            column: 1)
        try expectBlocking(s.applyArchitectures("bogus", source: ValueSource(file: nil, line: 1)),
            "unknown-architecture", column: 1)
        try expectBlocking(s.applyFilter("~uname:4096", source: ValueSource(file: nil, line: 2)), "invalid-entry",
            line: 2, column: 2)
        for v in SystemdVersion.allCases {
            var t = SystemCallSettings(context: try context(v))
            #expect(t.applyFilter("~@sytem-service", source: ValueSource(file: nil, line: 1)).allSatisfy { $0.weakensFilter })
        }
    }

    @Test("RestrictNamespaces=maybe and RestrictAddressFamilies=AF_BOGUS")
    func directives() throws {
        var d = ExecDirectives(context: try context())
        let ns = d.apply(UnitAssignment(section: "Service", key: "RestrictNamespaces", value: "maybe",
            source: ValueSource(file: nil, line: 1, valueColumn: 1)))
        try expectBlocking(ns, "unknown-namespace", column: 1)
        let af = d.apply(UnitAssignment(section: "Service", key: "RestrictAddressFamilies", value: "AF_UNIX AF_BOGUS",
            source: ValueSource(file: nil, line: 1, valueColumn: 1)))
        try expectBlocking(af, "unknown-address-family", column: 9)
        let b = d.apply(UnitAssignment(section: "Service", key: "ProtectClock", value: "perhaps",
            source: ValueSource(file: nil, line: 3, valueColumn: 1)))
        try expectBlocking(b, "invalid-boolean", line: 3, column: 1)
    }

    @Test("advisory findings (unsafe-user, deny-list, no-native-only, overlap, notes) do not block")
    func advisory() throws {
        let unit = """
            [Service]
            ExecStart=/bin/true
            User=nobody
            SystemCallFilter=@system-service
            SystemCallFilter=~@privileged
            SystemCallFilter=~@mount

            """
        let name = try #require(UnitName(validating: "a.service"))
        let loaded = LoadedUnit(name: name, sources: [UnitSource(path: "a.service", text: unit, isDropIn: false)],
            masked: false, fragmentPath: "a.service")
        let report = UnitChecker.check(loaded, context: try context())
        let codes = Set(report.findings.map(\.code))
        #expect(codes.isSuperset(of: ["unsafe-user", "no-native-only", "overlap"]), "\(codes)")
        #expect(report.findings.allSatisfy { !$0.weakensFilter }, "\(report.findings.filter(\.weakensFilter))")
        let deny = LoadedUnit(name: name, sources: [UnitSource(path: "a.service",
            text: "[Service]\nSystemCallFilter=~@mount\nSystemCallArchitectures=native\n", isDropIn: false)],
            masked: false, fragmentPath: "a.service")
        let denyReport = UnitChecker.check(deny, context: try context())
        #expect(denyReport.findings.contains { $0.code == "deny-list" })
        #expect(denyReport.findings.allSatisfy { !$0.weakensFilter })
        // Notes never block, whatever the code; errors always do; unknown warning codes do (fail closed).
        var n = Diagnostic(severity: .note, code: "unknown-syscall", message: "", setting: "", file: nil, line: 1,
            column: 1, text: "")
        #expect(!n.weakensFilter)
        n.severity = .error
        n.code = "overlap"
        #expect(n.weakensFilter)
        n.severity = .warning
        n.code = "something-new"
        #expect(n.weakensFilter)
    }

    @Test("every code in docs/diagnostics.md has the classification its 'Blocks run' column says, and back")
    func documentedTable() throws {
        let doc = try TextFile.read(repositoryRoot + "/docs/diagnostics.md")
        var documented: [String: Bool] = [:]
        var tables = 0
        var inTable = false
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if line.hasPrefix("| Code |") {
                #expect(cells.count > 2 && cells[2] == "Blocks `run`", "\(line)")
                inTable = true
                tables += 1
                continue
            }
            guard inTable, line.hasPrefix("| `"), cells.count > 3 else {
                if !line.hasPrefix("|") { inTable = false }
                continue
            }
            #expect(cells[2] == "yes" || cells[2] == "no", "\(line)")
            let blocks = cells[2] == "yes"
            let codes = cells[1].split(separator: "`", omittingEmptySubsequences: false).enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
            #expect(!codes.isEmpty)
            for code in codes {
                if let earlier = documented[code] { #expect(earlier == blocks, "\(code) is listed twice, differently") }
                documented[code] = blocks
                #expect(Diagnostic.blockingCodes.contains(code) == blocks, "\(code)")
                #expect(Diagnostic.advisoryCodes.contains(code) == !blocks, "\(code)")
            }
        }
        #expect(tables >= 4)
        #expect(Set(documented.keys) == Diagnostic.blockingCodes.union(Diagnostic.advisoryCodes))
        #expect(Diagnostic.blockingCodes.isDisjoint(with: Diagnostic.advisoryCodes))
    }
}

@Suite("sandboxing the launcher does not apply")
struct UnappliedDirectiveTests {
    @Test("ProtectSystem=strict, PrivateTmp=yes … in effect, in order, with positions; resets and 'no' left out")
    func list() throws {
        let s = try describe("""
            [Unit]
            Description=x
            [Service]
            ExecStart=/bin/true
            ProtectSystem=strict
            PrivateTmp=yes
            ReadOnlyPaths=/a
              ReadOnlyPaths=/b
            InaccessiblePaths=/x
            InaccessiblePaths=
            PrivateNetwork=yes
            PrivateNetwork=no
            ProtectHome=read-only
            ProtectHome=yes
            ProtectProc=default
            SystemCallFilter=@system-service
            ProtectKernelTunables=yes
            CapabilityBoundingSet=CAP_NET_BIND_SERVICE
            DynamicUser=yes
            MemoryMax=1G

            """)
        #expect(s.diagnostics.isEmpty)
        let u = s.unappliedDirectives
        #expect(u.map { "\($0.key)=\($0.value)" } == [
            "ProtectSystem=strict", "PrivateTmp=yes", "ReadOnlyPaths=/a", "ReadOnlyPaths=/b", "ProtectHome=yes",
            "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "DynamicUser=yes",
        ])
        #expect(u.map(\.line) == [5, 6, 7, 8, 14, 18, 19])
        #expect(u.map(\.column) == [1, 1, 1, 3, 1, 1, 1])
        #expect(u.allSatisfy { $0.file == "/etc/systemd/system/t.service" })
        #expect(u.first?.description == "/etc/systemd/system/t.service:5:1: ProtectSystem=strict")
    }

    @Test("drop-ins in parse order; [Unit] and unknown sections are not sandboxing; 262-only keys under 262")
    func dropIns() throws {
        let name = try #require(UnitName(validating: "d.service"))
        let unit = LoadedUnit(name: name, sources: [
            UnitSource(path: "d.service", text: "[Service]\nExecStart=/bin/true\nPrivateTmp=yes\n", isDropIn: false),
            UnitSource(path: "d.service.d/10.conf", text: "[Service]\nPrivateTmp=no\nPrivatePIDs=yes\n[Sevice]\nProtectSystem=full\n",
                isDropIn: true),
        ], masked: false, fragmentPath: "d.service")
        let s = ServiceDescription(unit, context: try SystemdContext(version: .v262, native: .x86_64))
        #expect(s.unappliedDirectives.map(\.description) == ["d.service.d/10.conf:3:1: PrivatePIDs=yes"])
        let s252 = ServiceDescription(unit, context: try SystemdContext(version: .v252, native: .x86_64))
        #expect(s252.unappliedDirectives.isEmpty)
        #expect(s252.diagnostics.map(\.code) == ["unknown-key", "unknown-section"])
    }
}
