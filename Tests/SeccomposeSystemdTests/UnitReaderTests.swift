// The unit-file reader: systemd.syntax rules, names and specifiers, load paths and drop-ins.

import Foundation
import SeccomposeSets
import SeccomposeSyscalls
import Testing

@testable import SeccomposeSystemd

@Suite("unit syntax (systemd.syntax)")
struct UnitSyntaxTests {
    static func read(_ text: String) -> ([UnitAssignment], [Diagnostic]) {
        UnitSettingsReader.assignments(of: text, file: "u.service")
    }

    @Test("comments with # and ;, whitespace around keys and values, first '=' splits")
    func basics() {
        let (a, d) = Self.read("# c\n; c\n[Service]\n  Key  =  a=b  \n\tOther=x\n")
        #expect(d.isEmpty)
        #expect(a.map { "\($0.section).\($0.key)=\($0.value)@\($0.source.line):\($0.source.valueColumn)" }
            == ["Service.Key=a=b@4:11", "Service.Other=x@5:8"])
    }

    @Test("continuation: an odd number of trailing backslashes joins lines; comment lines inside are skipped; systemd's line is the last")
    func continuation() {
        let text = "[Service]\nA=one \\\n# skipped\n  two\\\\\nB=x\\\n"
        let (a, _) = Self.read(text)
        #expect(a.map(\.value) == ["one    two\\\\", "x"])
        // Values are positioned where they start; systemd reports the logical line's last line.
        #expect(a.map(\.source.description) == ["u.service:2:3", "u.service:5:3"])
        #expect(UnitSettingsReader.logicalLines(of: text).map(\.line) == [1, 4, 6])
    }

    @Test("a value continued over three lines: every word is positioned at its physical line and column")
    func continuedPositions() throws {
        let text = "[Service]\nSystemCallFilter=~mount \\\n    nosuch umount2 \\\n; skipped\n\tswapon\n"
        let (a, d) = Self.read(text)
        #expect(d.isEmpty)
        let f = try #require(a.first)
        #expect(f.value == "~mount      nosuch umount2  \tswapon")
        #expect(f.source.description == "u.service:2:18" && f.keyLine == 2 && f.keyColumn == 1)
        // Offsets into the value (as the word splitter gives them) map back to physical places.
        func at(_ word: String) throws -> String {
            let r = try #require(f.value.range(of: word))
            return f.source.advanced(by: f.value.distance(from: f.value.startIndex, to: r.lowerBound)).description
        }
        #expect(try at("mount") == "u.service:2:19")
        #expect(try at("nosuch") == "u.service:3:5")
        #expect(try at("umount2") == "u.service:3:12")
        #expect(try at("swapon") == "u.service:5:2")
        // A position taken inside the value keeps the map.
        #expect(f.source.advanced(by: 12).advanced(by: 7).description == "u.service:3:12")
        // Diagnostics of the filter settings land there too.
        var settings = SystemCallSettings(context: try SystemdContext(version: .v262, native: .x86_64))
        let found = settings.applyFilter(f.value, source: f.source)
        #expect(found.map { "\($0.position) \($0.text)" } == ["u.service:3:5 nosuch"], "\(found)")
    }

    @Test("a key on a continued line is positioned where it is written")
    func continuedKey() {
        let (a, d) = Self.read("[Service]\n  Nosuch\\\n=1\n")
        #expect(d.isEmpty)
        #expect(a.first.map { "\($0.key) \($0.keyLine):\($0.keyColumn) \($0.source)" } == "Nosuch 2:3 u.service:3:2")
    }

    @Test("a section header must close; systemd refuses the unit otherwise")
    func badSection() {
        let (a, d) = Self.read("[Service]\nA=1\n[Bad\nB=2\n")
        #expect(a.map(\.key) == ["A"])
        #expect(d.map(\.code) == ["bad-section"] && d.first?.severity == .error)
    }

    @Test("assignments outside a section and lines without '=' are ignored with systemd's warnings")
    func strayLines() {
        let (a, d) = Self.read("A=1\n[Service]\nnoequals\nB=2\n")
        #expect(a.map(\.key) == ["B"])
        #expect(d.map(\.message) == ["Assignment outside of section. Ignoring.", "Missing '=', ignoring line."])
    }

    @Test("CRLF line endings, a UTF-8 byte-order mark, and a missing final newline")
    func lineEndings() {
        let (a, d) = Self.read("\u{FEFF}[Service]\r\nA=1\r\nB=2")
        #expect(d.isEmpty)
        #expect(a.map(\.value) == ["1", "2"])
    }

    @Test("an empty file is a masked unit")
    func empty() {
        #expect(Self.read("").1.map(\.code) == ["masked-unit"])
    }
}

@Suite("unit names and specifiers")
struct UnitNameTests {
    @Test("names, templates, instances, dash prefixes")
    func names() throws {
        let n = try #require(UnitName(validating: "foo-bar-baz@inst.service"))
        #expect(n.prefix == "foo-bar-baz" && n.instance == "inst" && n.type == "service")
        #expect(n.template?.name == "foo-bar-baz@.service")
        #expect(n.dashPrefixes == ["foo-bar-", "foo-"])
        #expect(UnitName(validating: "foo@.service")?.isTemplate == true)
        for bad in ["", "foo", "foo.bar", "f o.service", "@x.service", String(repeating: "a", count: 260) + ".service"] {
            #expect(UnitName(validating: bad) == nil, "\(bad)")
        }
    }

    @Test("specifiers expand; %% is a percent sign; unknown ones are reported")
    func specifiers() throws {
        let n = try #require(UnitName(validating: "web@a-b.service"))
        let c = SpecifierContext(unit: n, fragmentPath: "/etc/systemd/system/web@.service")
        let (text, unknown) = c.expand("%n %N %p %i %I %f %% %t %y %Y %q")
        #expect(text == "web@a-b.service web@a-b web a-b a/b /a/b % /run /etc/systemd/system/web@.service /etc/systemd/system %q")
        #expect(unknown.map(\.0) == ["q"])
    }
}

@Suite("load paths, drop-ins and masking", .serialized)
struct UnitLoaderTests {
    /// Builds a root with unit files; returns its path.
    static func root(_ files: [String: String], links: [String: String] = [:]) throws -> String {
        let root = NSTemporaryDirectory() + "seccompose-root-\(UUID().uuidString)"
        for (path, text) in files {
            let full = root + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        for (path, target) in links {
            let full = root + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
        }
        return root
    }

    @Test("/etc beats /usr/lib; drop-ins from every level, shadowed by name, parsed by file name; service.d last in priority")
    func dropIns() throws {
        let root = try Self.root([
            "/usr/lib/systemd/system/my-app@.service": "[Service]\nSystemCallFilter=@basic-io\n",
            "/etc/systemd/system/my-app@one.service": "[Service]\nSystemCallFilter=@system-service\n",
            "/usr/lib/systemd/system/my-app@.service.d/20-b.conf": "[Service]\nSystemCallFilter=~mount\n",
            "/etc/systemd/system/my-app@one.service.d/20-b.conf": "[Service]\nSystemCallFilter=~umount2\n",
            "/run/systemd/system/my-.service.d/10-a.conf": "[Service]\nSystemCallErrorNumber=EPERM\n",
            "/etc/systemd/system/service.d/30-c.conf": "[Service]\nSystemCallArchitectures=native\n",
            "/usr/lib/systemd/system/service.d/30-c.conf": "[Service]\nSystemCallArchitectures=x86\n",
            "/etc/systemd/system/my-app@one.service.d/40-masked.conf": "",
            "/usr/lib/systemd/system/my-app@.service.d/40-masked.conf": "[Service]\nSystemCallFilter=\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let u = try UnitLoader.load("my-app@one.service", root: root)
        #expect(u.sources.map { $0.path.replacingOccurrences(of: root, with: "") } == [
            "/etc/systemd/system/my-app@one.service", "/run/systemd/system/my-.service.d/10-a.conf",
            "/etc/systemd/system/my-app@one.service.d/20-b.conf", "/etc/systemd/system/service.d/30-c.conf",
        ])
        let s = ServiceDescription(u, context: try SystemdContext(version: .v252, native: .x86_64))
        #expect(s.syscalls.filterMode == .allowList)
        #expect(s.syscalls.filter["umount2"] == nil && s.syscalls.filter["read"] != nil)
        #expect(s.syscalls.errorNumber == .errno(1))
        #expect(s.syscalls.architectures == [.x86_64])
    }

    @Test("the template is used when the instance has no file; a /dev/null link or empty file masks")
    func templatesAndMasking() throws {
        let root = try Self.root([
            "/usr/lib/systemd/system/tpl@.service": "[Service]\nExecStart=/bin/echo %i\n",
            "/etc/systemd/system/empty.service": "",
        ], links: ["/etc/systemd/system/gone.service": "/dev/null"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let t = try UnitLoader.load("tpl@x.service", root: root)
        let s = ServiceDescription(t, context: try SystemdContext(version: .v252, native: .x86_64))
        #expect(s.commands["ExecStart"]?.first?.argv == ["/bin/echo", "x"])
        #expect(try UnitLoader.load("gone.service", root: root).masked)
        #expect(try UnitLoader.load("empty.service", root: root).masked)
        #expect(throws: UnitLoadError.self) { try UnitLoader.load("missing.service", root: root) }
        #expect(throws: UnitLoadError.self) { try UnitLoader.load("not a unit", root: root) }
    }

    @Test("Exec*= prefixes, several commands per line, resets; credentials, environment, umask")
    func serviceSettings() throws {
        let root = try Self.root(["/etc/systemd/system/s.service": """
            [Service]
            ExecStartPre=-/bin/pre a ; +/bin/priv
            ExecStart=@/bin/real argv0 "quoted arg" %n
            ExecStartPost=!/bin/post
            ExecStartPost=
            ExecStartPost=:/bin/post2 $X
            User=svc
            Group=svc
            WorkingDirectory=/srv/%p
            Environment=A=1 "B=two words"
            EnvironmentFile=-/etc/default/s
            UMask=0027
            NoNewPrivileges=yes

            """])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let s = ServiceDescription(try UnitLoader.load("s.service", root: root), context: try SystemdContext(version: .v252, native: .x86_64))
        let pre = s.commands["ExecStartPre"] ?? []
        #expect(pre.map(\.argv) == [["/bin/pre", "a"], ["/bin/priv"]])
        #expect(pre.map(\.ignoreFailure) == [true, false] && pre.map(\.fullPrivileges) == [false, true])
        #expect(s.commands["ExecStart"]?.first?.customArgv0 == true)
        #expect(s.commands["ExecStart"]?.first?.argv == ["/bin/real", "argv0", "quoted arg", "s.service"])
        #expect(s.commands["ExecStartPost"]?.map(\.argv) == [["/bin/post2", "$X"]])
        #expect(s.commands["ExecStartPost"]?.first?.noEnvironmentExpansion == true)
        #expect(s.user == "svc" && s.group == "svc" && s.workingDirectory == "/srv/s")
        #expect(s.environment.map { "\($0.0)=\($0.1)" } == ["A=1", "B=two words"])
        #expect(s.environmentFiles.first?.path == "/etc/default/s" && s.environmentFiles.first?.optional == true)
        #expect(s.umask == 0o027 && s.noNewPrivileges == true)
        #expect(s.diagnostics.isEmpty)
    }
}

@Suite("C escapes in Exec*= and Environment=")
struct CEscapeTests {
    @Test("escapes decode; quotes group; SystemCallFilter= keeps them literal")
    func escapes() {
        let words = WordSplitter.split(#"a\tb "c d" \x41\101\u00e9 \q"#, unquote: true, cUnescape: true).words.map(\.text)
        #expect(words == ["a\tb", "c d", "AAé", "q"])
        #expect(WordSplitter.split(#"a\tb"#, unquote: false).words.map(\.text) == ["atb"])
    }
}
