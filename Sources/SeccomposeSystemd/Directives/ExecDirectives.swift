// ExecDirectives.swift: the exec-context directives systemd implements with seccomp besides the
// SystemCall*= settings (reference: systemd-argument-directives.md §2), parsed with systemd's
// value syntax.

import SeccomposeDiagnostics
import SeccomposePolicy
import SeccomposeSets
import SeccomposeSyscalls

/// The seccomp-backed sandboxing directives of one unit, as systemd accumulates them line by line:
/// RestrictAddressFamilies=, RestrictNamespaces=, MemoryDenyWriteExecute=, LockPersonality=
/// (with Personality=), RestrictRealtime=, RestrictSUIDSGID=, ProtectClock=,
/// ProtectKernelModules=, ProtectKernelLogs=, ProtectKernelTunables=, ProtectHostname=,
/// PrivateDevices= and NoNewPrivileges=.
///
/// Apply each assignment in file order with `apply(_:)`; then `layers(settings:)` gives the
/// filters systemd installs for them, and `SystemdPolicyBuilder.build(_:directives:)` stacks
/// them with the SystemCall*= filters into one `Policy`.
public struct ExecDirectives: Sendable {
    /// ProtectHostname='s modes.
    public enum HostnameProtection: String, Sendable, Hashable, Codable {
        /// No UTS namespace, no filter.
        case no
        /// A UTS namespace and a filter refusing sethostname()/setdomainname().
        case yes
        /// (systemd 258+) A UTS namespace only; the service may change its own host name.
        case `private`
    }

    /// The systemd being emulated.
    public internal(set) var context: SystemdContext

    /// RestrictAddressFamilies=: the family numbers, or nil when no set exists (never assigned,
    /// reset by an empty value, or `none`).
    public var addressFamilies: Set<Int>?
    /// RestrictAddressFamilies=: whether `addressFamilies` lists what is allowed (`none` sets this
    /// with no set: every family is denied).
    public var addressFamiliesAllowList = false

    /// RestrictNamespaces=: the namespace flags that stay allowed (`retain`);
    /// `namespacesUnset` (all bits) until assigned.
    public var namespacesRetained: UInt64 = ExecDirectives.namespacesUnset
    /// RestrictNamespaces='s initial value (`NAMESPACE_FLAGS_INITIAL`, `ULONG_MAX`).
    public static let namespacesUnset: UInt64 = .max

    /// MemoryDenyWriteExecute=.
    public var memoryDenyWriteExecute = false
    /// LockPersonality=.
    public var lockPersonality = false
    /// Personality=: `Personality.linux` or `Personality.linux32`, nil when unset.
    public var personality: UInt64?
    /// RestrictRealtime=.
    public var restrictRealtime = false
    /// RestrictSUIDSGID=.
    public var restrictSUIDSGID = false
    /// ProtectClock=.
    public var protectClock = false
    /// ProtectKernelModules=.
    public var protectKernelModules = false
    /// ProtectKernelLogs=.
    public var protectKernelLogs = false
    /// ProtectKernelTunables=.
    public var protectKernelTunables = false
    /// ProtectHostname=.
    public var protectHostname = HostnameProtection.no
    /// ProtectHostname='s `:HOSTNAME` (systemd 258+).
    public var protectHostnameName: String?
    /// PrivateDevices=.
    public var privateDevices = false
    /// NoNewPrivileges=.
    public var noNewPrivileges = false

    /// The personality of the service manager (`personality(0xffffffff)`), from which
    /// LockPersonality= derives the one allowed value when Personality= is unset. Default:
    /// `PER_LINUX`.
    public var managerPersonality: UInt64 = Personality.linux
    /// Whether the kernel has `PR_SET_MDWE` (Linux 6.3+). systemd 254 and later then enforce
    /// MemoryDenyWriteExecute= with it and install no filter; 252 ignores this.
    public var kernelHasMDWE = true

    /// Where each directive was last assigned, by key (e.g. `RestrictNamespaces`).
    public internal(set) var origins: [String: Origin] = [:]

    /// A unit with none of the directives set.
    public init(context: SystemdContext) {
        self.context = context
    }

    /// The keys `apply(_:)` handles.
    public static let keys: Set<String> = [
        "RestrictAddressFamilies", "RestrictNamespaces", "MemoryDenyWriteExecute", "LockPersonality", "Personality",
        "RestrictRealtime", "RestrictSUIDSGID", "ProtectClock", "ProtectKernelModules", "ProtectKernelLogs",
        "ProtectKernelTunables", "ProtectHostname", "PrivateDevices", "NoNewPrivileges",
    ]

    /// Applies a unit-file assignment if it is one of the directives (in a `[Service]`,
    /// `[Socket]`, `[Mount]` or `[Swap]` section) and returns the diagnostics for it; other
    /// assignments are ignored.
    public mutating func apply(_ a: UnitAssignment) -> [Diagnostic] {
        guard SystemCallSettings.isExecSection(a.section), ExecDirectives.keys.contains(a.key) else { return [] }
        let value = a.value, source = a.source, key = a.key
        var diags: [Diagnostic] = []
        var changed = true
        switch key {
        case "RestrictAddressFamilies":
            diags = applyAddressFamilies(value, source: source)
        case "RestrictNamespaces":
            (changed, diags) = applyNamespaces(value, source: source)
        case "Personality":
            if value.isEmpty {
                personality = nil
            } else if let p = Personality.value(of: value, native: context.native) {
                personality = p
            } else {
                changed = false
                let names = [context.native == .x32 ? "x86-64" : context.native.systemdName,
                    Personality.secondaryName(context.native)].compactMap { $0 }
                diags.append(diagnostic("unknown-personality", "Failed to parse personality, ignoring: \(value)",
                    systemd: true, setting: key, source: source, column: 1, text: value, note: nil,
                    fix: "write one of: " + names.joined(separator: " ")))
            }
        case "ProtectHostname" where context.version >= .v262:
            (changed, diags) = applyHostname(value, source: source)
        default:
            guard let b = BooleanParsing.parse(value) else {
                changed = false
                var note: String?
                if value.isEmpty { note = "an empty value does not reset \(key)=; the previous value stays" }
                if key == "ProtectHostname", value.hasPrefix("private") {
                    note = "'private' exists from systemd 258 on (here: \(context.version))"
                }
                diags.append(diagnostic("invalid-boolean", "Failed to parse boolean value, ignoring: \(value)",
                    systemd: true, setting: key, source: source, column: 1, text: value, note: note,
                    fix: "write yes or no"))
                break
            }
            switch key {
            case "MemoryDenyWriteExecute": memoryDenyWriteExecute = b
            case "LockPersonality": lockPersonality = b
            case "RestrictRealtime": restrictRealtime = b
            case "RestrictSUIDSGID": restrictSUIDSGID = b
            case "ProtectClock": protectClock = b
            case "ProtectKernelModules": protectKernelModules = b
            case "ProtectKernelLogs": protectKernelLogs = b
            case "ProtectKernelTunables": protectKernelTunables = b
            case "ProtectHostname":
                protectHostname = b ? .yes : .no
                protectHostnameName = nil
            case "PrivateDevices": privateDevices = b
            case "NoNewPrivileges": noNewPrivileges = b
            default: break
            }
        }
        if changed {
            origins[key] = Origin(file: source.file, line: source.line, column: source.valueColumn, setting: key, text: value)
        }
        return diags
    }

    // MARK: RestrictAddressFamilies=

    /// `config_parse_address_families`.
    private mutating func applyAddressFamilies(_ value: String, source: ValueSource) -> [Diagnostic] {
        let key = "RestrictAddressFamilies"
        if value.isEmpty {
            addressFamilies = nil
            addressFamiliesAllowList = false
            return []
        }
        if value == "none" {
            addressFamilies = nil
            addressFamiliesAllowList = true
            return []
        }
        let invert = value.hasPrefix("~")
        let body = invert ? String(value.dropFirst()) : value
        let offset = invert ? 1 : 0
        if addressFamilies == nil {
            addressFamilies = []
            addressFamiliesAllowList = !invert
        }
        var diags: [Diagnostic] = []
        let split = WordSplitter.split(body, unquote: true)
        for word in split.words {
            guard let af = AddressFamily.number(named: word.text) else {
                var fix = "write a name such as AF_UNIX, AF_INET, AF_INET6 or AF_NETLINK"
                if let n = Int(word.text), let name = AddressFamily.name(of: n) {
                    fix = "numbers are not accepted: write \(name)"
                } else if let near = Suggestions.nearest(word.text.uppercased(), in: AddressFamily.table.map(\.name)) {
                    fix = "did you mean '\(near)'?"
                } else if let near = Suggestions.nearest("AF_" + word.text.uppercased(), in: AddressFamily.table.map(\.name)) {
                    fix = "did you mean '\(near)'?"
                }
                var note: String?
                if word.text == "none" { note = "'none' only means \"no family\" as the whole value" }
                if context.version >= .v262 {
                    note = (note.map { $0 + "; " } ?? "") + "systemd \(context.version) logs the whole value instead of the word"
                }
                diags.append(diagnostic("unknown-address-family", "Failed to parse address family, ignoring: \(word.text)",
                    systemd: context.version == .v252, setting: key, source: source, column: word.column + offset,
                    text: word.raw, note: note, fix: fix))
                continue
            }
            if !invert == addressFamiliesAllowList {
                addressFamilies?.insert(af)
            } else {
                addressFamilies?.remove(af)
            }
        }
        if let col = split.errorColumn {
            diags.append(diagnostic("invalid-syntax", "Invalid syntax, ignoring: \(body)", systemd: true, setting: key,
                source: source, column: col + offset, text: body,
                note: "a trailing backslash or an unterminated quote; the rest of the value is ignored",
                fix: "remove the stray backslash or close the quote"))
        }
        return diags
    }

    /// Whether RestrictAddressFamilies= installs a filter: an allow-list, or a non-empty deny-list.
    public var restrictsAddressFamilies: Bool {
        addressFamiliesAllowList || !(addressFamilies ?? []).isEmpty
    }

    // MARK: RestrictNamespaces=

    /// `config_parse_restrict_namespaces`; returns whether the value was used.
    private mutating func applyNamespaces(_ value: String, source: ValueSource) -> (Bool, [Diagnostic]) {
        let key = "RestrictNamespaces"
        let all = NamespaceType.allFlags(context.version)
        if value.isEmpty {
            namespacesRetained = ExecDirectives.namespacesUnset
            return (true, [])
        }
        if let b = BooleanParsing.parse(value) {
            // A boolean discards everything before it.
            namespacesRetained = b ? 0 : all
            return (true, [])
        }
        let invert = value.hasPrefix("~")
        let body = invert ? String(value.dropFirst()) : value
        let offset = invert ? 1 : 0
        let split = WordSplitter.split(body, unquote: false)
        var flags: UInt64 = 0
        var bad: ValueWord?
        for word in split.words {
            guard let t = NamespaceType(rawValue: word.text) else {
                bad = word
                break
            }
            flags |= t.flag
        }
        if bad != nil || split.errorColumn != nil {
            let names = NamespaceType.allCases.map(\.rawValue)
            var fix = "write namespace types from: " + names.joined(separator: " ")
            var note: String? = "one unknown word makes systemd ignore the whole line"
            if let bad {
                if let t = NamespaceType(rawValue: bad.text.lowercased()) {
                    fix = "names are case-sensitive: write \(t.rawValue)"
                } else if let near = Suggestions.nearest(bad.text, in: names) {
                    fix = "did you mean '\(near)'?"
                } else if bad.text.hasPrefix("~") {
                    note = "'~' only inverts the line as its first character; the whole line is ignored"
                    fix = "put the inverted list on its own line: RestrictNamespaces=\(bad.text)"
                }
            } else {
                note = "a trailing backslash; the whole line is ignored"
            }
            return (false, [diagnostic("unknown-namespace", "Failed to parse namespace type string, ignoring: \(body)",
                systemd: true, setting: key, source: source, column: (bad?.column ?? split.errorColumn ?? 1) + offset,
                text: bad?.raw ?? body, note: note, fix: fix)])
        }
        if namespacesRetained == ExecDirectives.namespacesUnset {
            namespacesRetained = invert ? ~flags & all : flags
        } else if invert {
            namespacesRetained &= ~flags
        } else {
            namespacesRetained |= flags
        }
        return (true, [])
    }

    /// Whether RestrictNamespaces= installs a filter: some namespace type of the "all" mask is
    /// not retained.
    public var restrictsNamespaces: Bool {
        let all = NamespaceType.allFlags(context.version)
        return namespacesRetained & all != all
    }

    // MARK: ProtectHostname= (262)

    /// systemd 258+'s `config_parse_protect_hostname`: a boolean or `private`, optionally
    /// followed by `:HOSTNAME`.
    private mutating func applyHostname(_ value: String, source: ValueSource) -> (Bool, [Diagnostic]) {
        let key = "ProtectHostname"
        if value.isEmpty {
            protectHostname = .no
            protectHostnameName = nil
            return (true, [])
        }
        var modeText = Substring(value)
        var name: String?
        if let colon = value.firstIndex(of: ":") {
            modeText = value[..<colon]
            name = String(value[value.index(after: colon)...])
        }
        let mode: HostnameProtection
        if modeText == "private" {
            mode = .private
        } else if let b = BooleanParsing.parse(String(modeText)) {
            mode = b ? .yes : .no
        } else {
            return (false, [diagnostic("invalid-protect-hostname", "Failed to parse ProtectHostname= value, ignoring: \(value)",
                systemd: false, setting: key, source: source, column: 1, text: value, note: nil,
                fix: "write yes, no or private, optionally followed by :HOSTNAME")])
        }
        if let name {
            if mode == .no {
                return (false, [diagnostic("invalid-protect-hostname",
                    "A host name cannot be given with ProtectHostname=no, ignoring: \(value)", systemd: false, setting: key,
                    source: source, column: 1, text: value, note: nil, fix: "write yes:\(name) or private:\(name)")])
            }
            guard Hostname.isValid(name) else {
                return (false, [diagnostic("invalid-hostname", "Invalid host name, ignoring: \(name)", systemd: false,
                    setting: key, source: source, column: modeText.count + 2, text: name,
                    note: "a host name is 1…64 characters: letters, digits, '-' and dots between labels",
                    fix: "write a valid host name")])
            }
        }
        protectHostname = mode
        protectHostnameName = name
        return (true, [])
    }

    // MARK: NO_NEW_PRIVS

    /// Whether the exec child sets `PR_SET_NO_NEW_PRIVS` before installing the filters
    /// (reference §2.13): NoNewPrivileges=yes, or any seccomp-based option in use while
    /// CAP_SYS_ADMIN is not effective at that point.
    ///
    /// - Parameter keepsCapSysAdmin: whether CAP_SYS_ADMIN is effective then. Under 252 that
    ///   is true for root services and false for `User=` services; from 255 on systemd keeps it
    ///   for `User=` services of the system manager whose SystemCallFilter= permits capget,
    ///   capset and prctl.
    public func setsNoNewPrivileges(settings: SystemCallSettings, keepsCapSysAdmin: Bool) -> Bool {
        if noNewPrivileges { return true }
        if keepsCapSysAdmin { return false }
        let hostname = context.version >= .v262 ? protectHostname == .yes : protectHostname != .no
        return lockPersonality || memoryDenyWriteExecute || privateDevices || protectClock || hostname
            || protectKernelTunables || protectKernelModules || protectKernelLogs || restrictsAddressFamilies
            || restrictsNamespaces || restrictRealtime || restrictSUIDSGID || !settings.architectures.isEmpty
            || settings.filterMode == .allowList || !settings.filter.isEmpty || settings.logMode == .allowList
            || !settings.log.isEmpty
    }

    // MARK: Diagnostics

    func diagnostic(
        _ code: String, _ message: String, systemd: Bool, setting: String, source: ValueSource, column: Int,
        text: String, note: String?, fix: String?
    ) -> Diagnostic {
        let place = source.place(advancedBy: column - 1)
        return Diagnostic(severity: .warning, code: code, message: message, isSystemdMessage: systemd, setting: setting,
            file: source.file, line: place.line, column: place.column, text: text, note: note, fix: fix)
    }
}
