// UnitKeys.swift: the keys systemd knows in a service unit's [Unit], [Service] and [Install]
// sections (data/unit-keys/, embedded in Generated/UnitKeys+Data.swift), and what Seccompose's
// launcher does with each of them.

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
import Synchronization

/// What `seccompose run` does with a key of a service unit (or of `--unit-setting KEY=VALUE`).
public enum UnitKeyClass: Sendable, Hashable {
    /// A seccomp-backed setting: the launcher applies it through the filter
    /// (`SystemCallFilter=`, `RestrictNamespaces=`, `ProtectClock=` …). Parts that systemd
    /// implements otherwise are named by `UnitKeys.unappliedParts(of:)`.
    case seccompBacked
    /// A setting that changes the sandbox without a seccomp filter (`ProtectSystem=`,
    /// `PrivateTmp=`, `CapabilityBoundingSet=`, `DynamicUser=` …): the launcher does not apply
    /// it. Listed in data/unit-keys/VERSION/unapplied-sandboxing.txt.
    case unappliedSandboxing
    /// Any other key systemd knows in that section (`Description=`, `ExecStart=`, `User=`,
    /// `MemoryMax=`, `WantedBy=` …).
    case known
    /// A key starting with `X-`: systemd ignores it without a word.
    case extensionKey
    /// A key systemd does not know in that section ("Unknown key … ignoring."), with the closest
    /// known key when it looks like a misspelling of one.
    case unknown(suggestion: String?)
}

/// The keys of a service unit's sections as systemd 252 and 262.1 know them.
public enum UnitKeys {
    /// The sections whose keys are listed: `[Unit]`, `[Service]` (with the exec, kill and cgroup
    /// context keys) and `[Install]`.
    public static let sections: [String] = ["Unit", "Service", "Install"]

    /// The `SystemCall*=` keys, which `SystemCallSettings` reads.
    public static let systemCallKeys: Set<String> = [
        "SystemCallFilter", "SystemCallErrorNumber", "SystemCallArchitectures", "SystemCallLog",
    ]

    /// Every seccomp-backed key the launcher applies: the `SystemCall*=` keys and
    /// `ExecDirectives.keys` (`RestrictAddressFamilies=`, `NoNewPrivileges=` …).
    public static let seccompBackedKeys: Set<String> = systemCallKeys.union(ExecDirectives.keys)

    private struct Table: Sendable {
        var sections: [String: [String]] = [:]
        var sectionSets: [String: Set<String>] = [:]
        var sandboxing: [String] = []
        var sandboxingSet: Set<String> = []
    }

    /// One version's table, made when that version is first asked for (a run or a check needs
    /// one version; making both cost twice the hashing of every key).
    private static func makeTable(_ version: SystemdVersion) -> Table {
        var t = Table()
        for (name, text) in UnitKeysData.files {
            let parts = name.split(separator: "/", maxSplits: 1)
            guard parts.count == 2, SystemdVersion(string: String(parts[0])) == version else { continue }
            let keys = TextFile.split(text, at: 0x0A)
            if parts[1] == "unapplied-sandboxing" {
                t.sandboxing = keys
                t.sandboxingSet = Set(keys)
            } else {
                t.sections[String(parts[1])] = keys
                t.sectionSets[String(parts[1])] = Set(keys)
            }
        }
        return t
    }

    private static let table252 = makeTable(.v252)
    private static let table262 = makeTable(.v262)

    /// `version`'s table.
    private static func table(_ version: SystemdVersion) -> Table {
        switch version {
        case .v252: return table252
        case .v262: return table262
        }
    }

    /// The keys systemd `version` knows in `section` (one of `sections`), sorted; nil for a
    /// section that is not listed.
    public static func keys(in section: String, version: SystemdVersion) -> [String]? {
        table(version).sections[section]
    }

    /// Whether systemd `version` knows `key` in `section`; nil for a section that is not listed.
    public static func isKnown(_ key: String, in section: String, version: SystemdVersion) -> Bool? {
        knownKeys(in: section, version: version).map { $0.contains(key) }
    }

    /// Each version's key sets by section (`table(version).sectionSets`), taken out once, so that a
    /// look-up does not copy the version's whole table.
    private static let sectionSets252 = table252.sectionSets
    private static let sectionSets262 = table262.sectionSets

    /// The keys systemd `version` knows in `section` (`table(version).sectionSets[section]`); nil
    /// for a section that is not listed.
    static func knownKeys(in section: String, version: SystemdVersion) -> Set<String>? {
        switch version {
        case .v252: return sectionSets252[section]
        case .v262: return sectionSets262[section]
        }
    }

    /// Where each listed key is known, one bit a version and section: bit `sections.count · v + i`
    /// for the version at index `v` of `SystemdVersion.allCases` and the section at index `i` of
    /// `sections` (`isKnown(key, in: section, version:) == true`). Made once, so that telling a key
    /// known or unknown, and where else it is known, hashes it once.
    static let knownWhere: [String: UInt64] = {
        var out: [String: UInt64] = [:]
        for (v, version) in SystemdVersion.allCases.enumerated() {
            for (i, section) in sections.enumerated() {
                for key in knownKeys(in: section, version: version) ?? [] {
                    out[key, default: 0] |= 1 << UInt64(sections.count * v + i)
                }
            }
        }
        return out
    }()

    /// The bit of `knownWhere` for `version` and the section at `index` of `sections`.
    static func knownBit(_ version: SystemdVersion, section index: Int) -> UInt64 {
        let v = SystemdVersion.allCases.firstIndex(of: version) ?? 0
        return 1 << UInt64(sections.count * v + index)
    }

    /// The index of `section` in `sections`, or nil for a section whose keys are not listed
    /// (compared as Strings: three small-string comparisons cost less than hashing the name).
    static func sectionIndex(_ section: String) -> Int? {
        section == "Unit" ? 0 : section == "Service" ? 1 : section == "Install" ? 2 : nil
    }

    /// The `[Service]` keys that change the sandbox without seccomp, which the launcher does not
    /// apply, sorted (data/unit-keys/VERSION/unapplied-sandboxing.txt).
    public static func unappliedSandboxingKeys(version: SystemdVersion) -> [String] {
        table(version).sandboxing
    }

    /// What systemd does for a seccomp-backed key besides its filter, which the launcher does
    /// not do (e.g. `PrivateDevices=`' private /dev); nil when the filter is all of it.
    public static func unappliedParts(of key: String) -> String? {
        switch key {
        case "PrivateDevices": return "a private /dev with pseudo devices only, DevicePolicy=closed, CAP_MKNOD and CAP_SYS_RAWIO dropped"
        case "ProtectKernelTunables": return "/proc/sys, /sys and other kernel tunables mounted read-only"
        case "ProtectKernelModules": return "the module directories made inaccessible, CAP_SYS_MODULE dropped"
        case "ProtectKernelLogs": return "/proc/kmsg and /dev/kmsg made inaccessible, CAP_SYSLOG dropped"
        case "ProtectClock": return "CAP_SYS_TIME and CAP_WAKE_ALARM dropped, DeviceAllow=char-rtc r"
        case "ProtectHostname": return "a new UTS namespace"
        default: return nil
        }
    }

    /// What the launcher does with `key` in `section` of a service unit for systemd `version`
    /// (`--unit-setting KEY=VALUE` is a `[Service]` assignment). Keys are case-sensitive, as in
    /// systemd; the suggestion for an unknown key is the closest known key of the section (a
    /// seccomp-backed one first), if one is close.
    ///
    /// Sections other than `sections` are not listed here: their keys classify as `.known`
    /// (the reader reports the section itself when systemd would).
    public static func classify(_ key: String, section: String = "Service", version: SystemdVersion) -> UnitKeyClass {
        if key.hasPrefix("X-") { return .extensionKey }
        let table = table(version)
        guard let known = table.sectionSets[section] else { return .known }
        if known.contains(key) {
            if section == "Service" {
                if seccompBackedKeys.contains(key) { return .seccompBacked }
                if table.sandboxingSet.contains(key) { return .unappliedSandboxing }
            }
            return .known
        }
        return .unknown(suggestion: suggestion(for: key, in: section, version: version))
    }

    /// The closest known key of `section` to the unknown `key` (case-insensitive equality first,
    /// then a seccomp-backed key within the edit distance of `Suggestions`, then any key).
    public static func suggestion(for key: String, in section: String, version: SystemdVersion) -> String? {
        guard let found = keySuggestions(section, version) else { return nil }
        if let same = found.lowered[key.lowercased()] { return same }
        if let seccomp = found.seccomp, let near = Suggestions.nearest(key, in: seccomp) { return near }
        return Suggestions.nearest(key, in: found.all)
    }

    /// What `suggestion(for:in:version:)` looks in for one section of one version.
    struct KeySuggestions: Sendable {
        /// Each key lowered → the first key that lowers to it.
        var lowered: [String: String]
        /// The seccomp-backed keys (`[Service]` only), under the index key "seccomp-keys VERSION".
        var seccomp: Suggestions.Index?
        /// Every key of the section, under the index key "keys VERSION SECTION".
        var all: Suggestions.Index
    }

    struct SectionKey: Hashable {
        var version: SystemdVersion
        var section: String
    }

    /// The lowered keys and suggestion indexes of `section` under `version`, made once per
    /// section (the indexes are `Suggestions.index`'s, under the keys it always had); nil for a
    /// section that is not listed.
    static func keySuggestions(_ section: String, _ version: SystemdVersion) -> KeySuggestions? {
        let cacheKey = SectionKey(version: version, section: section)
        if let hit = keySuggestionCache.withLock({ $0[cacheKey] }) { return hit }
        guard let keys = table(version).sections[section] else { return nil }
        var lowered: [String: String] = [:]
        for k in keys where lowered[k.lowercased()] == nil { lowered[k.lowercased()] = k }
        let made = KeySuggestions(lowered: lowered,
            seccomp: section == "Service"
                ? Suggestions.index("seccomp-keys \(version)") { keys.filter(seccompBackedKeys.contains) } : nil,
            all: Suggestions.index("keys \(version) \(section)") { keys })
        keySuggestionCache.withLock { $0[cacheKey] = made }
        return made
    }

    private static let keySuggestionCache = Mutex<[SectionKey: KeySuggestions]>([:])

    /// systemd's warning for an assignment whose key its parser table does not have in the
    /// section ("Unknown key 'K' in section [S], ignoring."), positioned at the key, with a fix
    /// (the key of the right version or section, a near miss, or where the keys are listed); nil
    /// when systemd `version` knows the key there, for `X-` keys, and for sections other than
    /// `sections`. Works for `--unit-setting` assignments too (section `Service`).
    public static func unknownKeyDiagnostic(_ a: UnitAssignment, version: SystemdVersion) -> Diagnostic? {
        // `classify`'s `.unknown` case, without telling the known keys' classes apart: a listed
        // section (`knownKeys(in:version:)` is not nil) whose keys for `version` lack this one, the
        // key looked up once in `knownWhere` (also for where else it is known).
        guard !a.key.hasPrefix("X-"), let index = sectionIndex(a.section) else { return nil }
        let known = knownWhere[a.key] ?? 0
        guard known & knownBit(version, section: index) == 0 else { return nil }
        return unknownKeyFinding(a, version: version, suggestion: suggestion(for: a.key, in: a.section, version: version),
            known: known)
    }

    /// The unknown-key warning for `a` (a key `version` does not know in its section), with
    /// `suggestion` as the near miss. `known` is the key's `knownWhere` bits, when looked up already.
    static func unknownKeyFinding(_ a: UnitAssignment, version: SystemdVersion, suggestion: String?, known: UInt64? = nil)
        -> Diagnostic
    {
        let known = known ?? knownWhere[a.key] ?? 0
        let index = sectionIndex(a.section)
        var note: String?
        let fix: String
        if let other = SystemdVersion.allCases.first(where: { v in
            // isKnown(a.key, in: a.section, version: v) == true
            v != version && index.map { known & knownBit(v, section: $0) != 0 } ?? false
        }) {
            note = "\(a.key)= exists in systemd \(other), not in \(version)"
            fix = "remove the line, or emulate systemd \(other)"
        } else if let elsewhere = sections.indices.first(where: {
            // isKnown(a.key, in: sections[$0], version: version) == true
            sections[$0] != a.section && known & knownBit(version, section: $0) != 0
        }).map({ sections[$0] }) {
            note = "\(a.key)= is a key of the [\(elsewhere)] section"
            fix = "move the line into [\(elsewhere)]"
        } else if let suggestion {
            fix = "did you mean '\(suggestion)'?"
        } else {
            fix = "see \(manualPages[a.section] ?? "systemd.unit(5)") for the [\(a.section)] keys; prefix a custom key with X-"
        }
        return Diagnostic(severity: .warning, code: "unknown-key",
            message: "Unknown key '\(a.key)' in section [\(a.section)], ignoring.", isSystemdMessage: true,
            setting: a.key, file: a.source.file, line: a.keyLine, column: a.keyColumn, text: a.key, note: note,
            fix: fix)
    }

    /// The manual pages that list each section's keys.
    static let manualPages: [String: String] = [
        "Unit": "systemd.unit(5)", "Install": "systemd.unit(5)",
        "Service": "systemd.service(5), systemd.exec(5), systemd.kill(5) and systemd.resource-control(5)",
    ]
}

/// A sandboxing assignment of a service unit that `seccompose run` does not apply (its key is in
/// `UnitKeys.unappliedSandboxingKeys(version:)`).
public struct UnappliedDirective: Sendable, Hashable, CustomStringConvertible {
    /// The key, e.g. `ProtectSystem`.
    public var key: String
    /// The value as written, e.g. `strict`.
    public var value: String
    /// The file, or nil for a command-line setting.
    public var file: String?
    /// The 1-based line of the assignment.
    public var line: Int
    /// The 1-based column of the key.
    public var column: Int

    /// An assignment of `key`=`value` at `file`:`line`:`column`.
    public init(key: String, value: String, file: String?, line: Int, column: Int) {
        self.key = key
        self.value = value
        self.file = file
        self.line = line
        self.column = column
    }

    /// `FILE:LINE:COL: KEY=VALUE`.
    public var description: String { "\(file ?? "<command line>"):\(line):\(column): \(key)=\(value)" }
}

extension UnitKeys {
    /// The unapplied sandboxing keys that take a list, each assignment adding to it (an empty
    /// value empties it); every other such key takes one value, the last one winning.
    static let listKeys: Set<String> = [
        "AmbientCapabilities", "BPFDelegateAttachments", "BPFDelegateCommands", "BPFDelegateMaps",
        "BPFDelegatePrograms", "BPFProgram", "BindPaths", "BindReadOnlyPaths", "CapabilityBoundingSet",
        "DelegateNamespaces", "DeviceAllow", "ExecPaths", "ExtensionDirectories", "ExtensionImages",
        "IPAddressAllow", "IPAddressDeny", "IPEgressFilterPath", "IPIngressFilterPath", "InaccessibleDirectories",
        "InaccessiblePaths", "MountImages", "NFTSet", "NoExecPaths", "ReadOnlyDirectories", "ReadOnlyPaths",
        "ReadWriteDirectories", "ReadWritePaths", "RestrictFileSystems", "RestrictNetworkInterfaces",
        "RootImageOptions", "SocketBindAllow", "SocketBindDeny", "SupplementaryGroups", "TemporaryFileSystem",
    ]

    /// Values of single-value keys that leave the sandbox as it is without the key.
    static let neutralValues: [String: Set<String>] = [
        "ProtectProc": ["default"], "ProcSubset": ["all"], "DevicePolicy": ["auto"],
    ]

    /// The sandboxing assignments in `assignments` (read as `[Service]` lines for systemd
    /// `version`) that `seccompose run` does not apply and that are in effect: an empty value
    /// resets the key, a later value of a single-value key replaces the earlier one, and values
    /// that change nothing (`PrivateTmp=no`, `ProtectProc=default` …) are left out. In the
    /// order of the assignments that remain.
    public static func unappliedDirectives(of assignments: [UnitAssignment], version: SystemdVersion)
        -> [UnappliedDirective]
    {
        var kept: [(index: Int, a: UnitAssignment)] = []
        for (i, a) in assignments.enumerated() where a.section == "Service" {
            guard classify(a.key, section: "Service", version: version) == .unappliedSandboxing else { continue }
            if a.value.isEmpty || !listKeys.contains(a.key) { kept.removeAll { $0.a.key == a.key } }
            if a.value.isEmpty { continue }
            if !listKeys.contains(a.key),
                BooleanParsing.parse(a.value) == false || neutralValues[a.key]?.contains(a.value) == true
            {
                continue
            }
            kept.append((i, a))
        }
        return kept.map {
            UnappliedDirective(key: $0.a.key, value: $0.a.value, file: $0.a.source.file, line: $0.a.keyLine,
                column: $0.a.keyColumn)
        }
    }
}
