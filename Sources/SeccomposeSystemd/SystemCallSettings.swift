// SystemCallSettings.swift: SystemCallFilter=, SystemCallErrorNumber=, SystemCallArchitectures=
// and SystemCallLog= with systemd's exact semantics (reference: systemd-syscallfilter.md §1).

import SeccomposeDiagnostics
import SeccomposeSets
import SeccomposeSyscalls
import Synchronization

/// The four SystemCall*= settings of one unit, as systemd accumulates them line by line.
///
/// Apply each assignment in file order (main file, then drop-ins by name) with the `apply…`
/// methods; each returns the diagnostics for that line. Then build a `Policy` with
/// `SystemdPolicyBuilder`.
public struct SystemCallSettings: Sendable {
    /// Whether a filter lists what is allowed or what is denied.
    public enum Mode: String, Sendable, Hashable, Codable {
        case allowList = "allow-list"
        case denyList = "deny-list"
    }

    /// A map entry: the syscall's value in systemd's filter hashmap.
    public struct Entry: Sendable, Hashable {
        /// nil is systemd's -1: "listed" (allowed in an allow-list, denied with
        /// SystemCallErrorNumber= in a deny-list); otherwise an explicit errno or kill.
        public var action: EntryAction?
        /// The word that put the entry there last.
        public var origin: WordOrigin
    }

    /// Where an entry came from.
    public struct WordOrigin: Sendable, Hashable, Codable {
        public init(source: ValueSource, column: Int, word: String, implicitDefault: Bool) {
            self.source = source
            self.column = column
            self.word = word
            self.implicitDefault = implicitDefault
        }

        public var source: ValueSource
        public var column: Int
        /// The word as written (for group members: the group word, e.g. `@system-service`).
        public var word: String
        /// Whether the entry was seeded by the implicit `@default` of an allow-list.
        public var implicitDefault: Bool
    }

    /// SystemCallFilter=: nil until the first non-empty assignment.
    public private(set) var filterMode: Mode?
    /// SystemCallFilter='s map, by syscall name.
    public private(set) var filter: [String: Entry] = [:]
    /// Names a later line removed from the map, with the word that removed them and the entry
    /// they had (for `check`: allow-list overlaps and removed `@default` members).
    public private(set) var removals: [(name: String, by: WordOrigin, had: Entry)] = []
    /// SystemCallErrorNumber=: the action for syscalls the filter rejects (default kill).
    public private(set) var errorNumber: EntryAction = .kill
    /// SystemCallArchitectures=: the listed ABIs (`native` resolved); empty means unrestricted.
    public private(set) var architectures: Set<Architecture> = []
    /// SystemCallLog=: nil until the first non-empty assignment.
    public private(set) var logMode: Mode?
    /// SystemCallLog='s map.
    public private(set) var log: [String: WordOrigin] = [:]

    /// The systemd being emulated.
    public internal(set) var context: SystemdContext

    /// Bounds the "did you mean" work on huge inputs (the first 200 unknown words get one).
    private var suggestionsLeft = 200

    /// When set, SystemCallFilter= keeps map entries (and removals) for these names only; every
    /// other name is left out of `filter`. For `check`'s version comparison, which looks at no
    /// other name (internal: a map restricted so is not the unit's map).
    var onlyNames: Set<String>?

    /// When false, `applyFilter` makes no diagnostics (returns none) and changes the map exactly as
    /// with them: for internal re-evaluations that discard what they report (`check`'s version
    /// comparison), where the lint and the messages cost more than the map.
    var diagnosing = true

    /// Whether a built-in group is added through its member table (`memberTable`); false adds
    /// member by member (for the tests that compare the two).
    var groupTables = true

    /// One step of SystemCallFilter='s map since its last reset, as `applyFilter` took it.
    enum FilterStep: Sendable {
        /// The line that set the mode (the first non-empty one): an allow-list also took the
        /// implicit `@default` from `source`.
        case start(invert: Bool, source: ValueSource)
        /// A word that reached the map: `NAME[:ACTION]` split and not refused (an action on an
        /// allow line, a malformed action), with the origin its entries get.
        case word(name: String, action: EntryAction?, invert: Bool, origin: WordOrigin)
    }

    /// What made SystemCallFilter='s map since its last reset (an empty assignment empties this
    /// too): the mode's line and every word that reached the map, in order, when `recordsSteps`
    /// (empty otherwise). Every step is the same whatever the version (splitting, `NAME:ACTION` and
    /// the refusals do not depend on it), so `replayFilter` gives another version's map without
    /// splitting and parsing the lines again (`check`'s version comparison).
    private(set) var filterSteps: [FilterStep] = []

    /// Whether `applyFilter` records `filterSteps`: set by `ServiceDescription` (whose settings
    /// `check` compares between the versions); other readers of the settings need no steps.
    var recordsSteps = false

    /// Takes `steps` (another settings' `filterSteps`) as `applyFilter` took the lines they came
    /// from, with no diagnostics: the same map, mode and removals as applying those lines with
    /// `diagnosing` false, under this settings' context (and `onlyNames`). For settings whose
    /// SystemCallFilter= map is still empty.
    mutating func replayFilter(_ steps: [FilterStep]) {
        var diags: [Diagnostic] = []
        for step in steps {
            switch step {
            case .start(let invert, let source):
                filterMode = invert ? .denyList : .allowList
                if !invert {
                    let origin = WordOrigin(source: source, column: 1, word: "@default", implicitDefault: true)
                    apply(name: "@default", action: nil, invert: false, origin: origin, log: false, into: &diags)
                }
            case .word(let name, let action, let invert, let origin):
                apply(name: name, action: action, invert: invert, origin: origin, log: false, into: &diags)
            }
        }
    }

    private mutating func takeSuggestion() -> Bool {
        guard suggestionsLeft > 0 else { return false }
        suggestionsLeft -= 1
        return true
    }

    /// Settings for `context`; `suggestions: false` skips the "did you mean" search (for
    /// internal re-evaluations whose diagnostics are not shown).
    public init(context: SystemdContext, suggestions: Bool = true) {
        self.context = context
        if !suggestions { suggestionsLeft = 0 }
    }

    /// The sections in which systemd accepts the SystemCall*= settings.
    public static let sections: Set<String> = ["Service", "Socket", "Mount", "Swap"]

    /// `sections.contains(section)`, compared as Strings: four comparisons of small strings cost
    /// less than hashing the name.
    static func isExecSection(_ section: String) -> Bool {
        section == "Service" || section == "Socket" || section == "Mount" || section == "Swap"
    }

    /// Applies a unit-file assignment if it is one of the four settings (in an exec section);
    /// other assignments are ignored.
    public mutating func apply(_ a: UnitAssignment) -> [Diagnostic] {
        guard SystemCallSettings.isExecSection(a.section) else { return [] }
        switch a.key {
        case "SystemCallFilter": return applyFilter(a.value, source: a.source)
        case "SystemCallErrorNumber": return applyErrorNumber(a.value, source: a.source)
        case "SystemCallArchitectures": return applyArchitectures(a.value, source: a.source)
        case "SystemCallLog": return applyLog(a.value, source: a.source)
        default: return []
        }
    }

    // MARK: SystemCallFilter=

    /// Applies one `SystemCallFilter=` assignment (the value already stripped of surrounding
    /// whitespace, as the unit parser delivers it).
    public mutating func applyFilter(_ value: String, source: ValueSource) -> [Diagnostic] {
        var diags: [Diagnostic] = []
        if value.isEmpty {
            filter = [:]
            filterMode = nil
            removals = []
            filterSteps = []
            return diags
        }
        let invert = value.hasPrefix("~")
        let body = invert ? String(value.dropFirst()) : value
        let offset = invert ? 1 : 0
        if filterMode == nil {
            if recordsSteps { filterSteps.append(.start(invert: invert, source: source)) }
            filterMode = invert ? .denyList : .allowList
            if !invert {
                let origin = WordOrigin(source: source, column: 1, word: "@default", implicitDefault: true)
                apply(name: "@default", action: nil, invert: false, origin: origin, log: false, into: &diags)
            }
        }
        let split = WordSplitter.split(body, unquote: false)
        for word in split.words {
            let column = word.column + offset
            let origin = WordOrigin(source: source, column: column, word: word.raw, implicitDefault: false)
            if diagnosing {
                diags += lint(word: word, column: column, setting: "SystemCallFilter", source: source, invertedLine: invert)
            }
            guard let (name, action) = splitNameAndAction(word.text) else {
                if !diagnosing { continue }
                diags.append(diagnostic(.warning, "invalid-entry", "Failed to parse syscall:errno, ignoring: \(word.text)",
                    systemd: true, setting: "SystemCallFilter", source: source, column: column, text: word.raw,
                    note: actionNote(word.text),
                    fix: "write NAME, NAME:ERRNO (a name such as EPERM, or 0…4095) or NAME:kill"))
                continue
            }
            if !invert, action != nil {
                if !diagnosing { continue }
                diags.append(diagnostic(.warning, "errno-on-allow",
                    "Allow-listed system calls cannot take error number, ignoring: \(word.text)",
                    systemd: true, setting: "SystemCallFilter", source: source, column: column, text: word.raw,
                    note: "an action suffix only works on a line that starts with '~'",
                    fix: "move it to a deny line: SystemCallFilter=~\(word.text)"))
                continue
            }
            if recordsSteps { filterSteps.append(.word(name: name, action: action, invert: invert, origin: origin)) }
            apply(name: name, action: action, invert: invert, origin: origin, log: diagnosing, into: &diags,
                column: column, rawWord: word.raw, setting: "SystemCallFilter")
        }
        if diagnosing, let col = split.errorColumn {
            diags.append(invalidSyntax(setting: "SystemCallFilter", value: body, source: source, column: col + offset))
        }
        return diags
    }

    /// Splits `NAME[:ACTION]` at the first colon (`parse_syscall_and_errno`).
    func splitNameAndAction(_ word: String) -> (String, EntryAction?)? {
        guard let colon = ByteSearch.firstCharacter(UInt8(ascii: ":"), in: word) else {
            return word.isEmpty ? nil : (word, nil)
        }
        let name = String(word[..<colon])
        guard let action = ErrnoParsing.parseErrnoOrAction(String(word[word.index(after: colon)...])),
            !name.isEmpty
        else { return nil }
        return (name, action)
    }

    /// `seccomp_parse_syscall_filter()`: resolves a name or expands a group into the map.
    private mutating func apply(
        name: String, action: EntryAction?, invert: Bool, origin: WordOrigin, log: Bool,
        into diags: inout [Diagnostic], column: Int = 1, rawWord: String = "", setting: String = "SystemCallFilter"
    ) {
        let allowList = filterMode == .allowList
        if name.hasPrefix("@") {
            guard let members = context.catalog.expand(name, resolvedBy: context.version) else {
                if log { diags.append(unknownGroup(name, setting: setting, origin: origin)) }
                return
            }
            let adds = invert != allowList || action != nil
            // A word that adds a built-in group to a smaller map: the group's names in a table made
            // once, with this word's entry (`mapValues` hashes no name), then the map's other entries.
            // Every member gets the same entry as `put` gives it and the other entries stay as they
            // were. Not when `put` can record removals (an explicit action on an allow-list) or keeps
            // only some names.
            if adds, groupTables, onlyNames == nil, !(allowList && action != nil), filter.count < members.count,
                let table = Self.memberTable(name, members, context)
            {
                let entry = Entry(action: action, origin: origin)
                var merged = table.mapValues { _ in entry }
                for (other, e) in filter where table[other] == nil { merged[other] = e }
                filter = merged
                return
            }
            // A map kept for a few names only (`onlyNames`): `put` ignores every other member, so
            // only the members among those names are put, in the members' order, found through
            // the member table instead of looking every member up in `onlyNames`.
            if groupTables, let onlyNames, onlyNames.count < members.count,
                let table = Self.memberTable(name, members, context)
            {
                let kept = onlyNames.compactMap { n in table[n].map { (position: $0, name: n) } }.sorted { $0.position < $1.position }
                for member in kept {
                    put(member.name, action: action, invert: invert, allowList: allowList, origin: origin)
                }
                return
            }
            if adds { filter.reserveCapacity(filter.count + members.count) }
            for member in members {
                put(member, action: action, invert: invert, allowList: allowList, origin: origin)
            }
            return
        }
        let resolution = context.version.resolution(of: name)
        guard resolution.resolves else {
            if log { diags.append(unknownSyscall(name, known: resolution.known, setting: setting, origin: origin)) }
            return
        }
        put(name, action: action, invert: invert, allowList: allowList, origin: origin)
    }

    /// What a built-in group's member table depends on: the catalog's version, the resolving
    /// version and the group.
    struct MemberTableKey: Hashable {
        var catalog: SystemdVersion
        var resolver: SystemdVersion
        var group: String
    }

    /// Member tables of built-in groups (user groups are not cached: their members depend on the
    /// user's set files; built-in groups include only built-in groups), kept once the memo tables
    /// are open (`ReuseGate`).
    private static let memberTables = Mutex<[MemberTableKey: [String: Int]]>([:])

    /// The names of `members` (the expansion of `group` under `context`) as the keys of a table,
    /// each with its first position in `members`, made once per built-in group (once the memo
    /// tables are open, `ReuseGate`), with room for as
    /// many other names again as a half of it (the entries a map already has when the group is
    /// added); nil for a group that is not built in.
    static func memberTable(_ group: String, _ members: [String], _ context: SystemdContext) -> [String: Int]? {
        guard context.catalog.group(named: group)?.isBuiltin == true else { return nil }
        let key = MemberTableKey(catalog: context.catalog.version, resolver: context.version, group: group)
        let reuse = ReuseGate.isOpen
        if reuse, let hit = memberTables.withLock({ $0[key] }) { return hit }
        var table = [String: Int](minimumCapacity: members.count + members.count / 2 + 16)
        for (position, m) in members.enumerated() where table[m] == nil { table[m] = position }
        if reuse { memberTables.withLock { $0[key] = table } }
        return table
    }

    private mutating func put(_ name: String, action: EntryAction?, invert: Bool, allowList: Bool, origin: WordOrigin) {
        if let onlyNames, !onlyNames.contains(name) { return }
        // A plain line on an allow-list and a '~' line on a deny-list add; since v248 an explicit
        // action always adds (allow-list + '~name:ERR'); everything else removes.
        if invert != allowList || action != nil {
            // An explicit deny replacing an allowed entry takes it back like a removal does.
            if allowList, action != nil, let had = filter[name], had.action == nil { removals.append((name, origin, had)) }
            filter[name] = Entry(action: action, origin: origin)
        } else if let had = filter.removeValue(forKey: name) {
            removals.append((name, origin, had))
        }
    }

    // MARK: SystemCallErrorNumber=

    /// Applies one `SystemCallErrorNumber=` assignment; the last valid one wins.
    public mutating func applyErrorNumber(_ value: String, source: ValueSource) -> [Diagnostic] {
        if value.isEmpty || value == "kill" {
            errorNumber = .kill
            return []
        }
        guard let e = ErrnoParsing.parseErrno(value) else {
            return [diagnostic(.warning, "invalid-errno", "Failed to parse error number, ignoring: \(value)", systemd: true,
                setting: "SystemCallErrorNumber", source: source, column: 1, text: value,
                note: value.contains(" ") ? "only one value is allowed" : actionNote("x:" + value),
                fix: "write one errno name such as EPERM, a number 1…4095, or kill")]
        }
        guard e != 0 else {
            return [diagnostic(.warning, "zero-errno", "Invalid error number, ignoring: \(value)", systemd: true,
                setting: "SystemCallErrorNumber", source: source, column: 1, text: value,
                note: "0 would make every denied call appear to succeed",
                fix: "use a real errno such as EPERM; a per-entry ':0' is allowed on deny lines")]
        }
        errorNumber = .errno(e)
        return []
    }

    // MARK: SystemCallArchitectures=

    /// The fix of an unknown architecture without a near name: every name systemd knows.
    static let architectureChoices = "use native or one of: " + Architecture.allCases.compactMap(\.systemdName).joined(separator: " ")

    /// Applies one `SystemCallArchitectures=` assignment: a union with earlier lines; an empty
    /// value resets.
    public mutating func applyArchitectures(_ value: String, source: ValueSource) -> [Diagnostic] {
        if value.isEmpty {
            architectures = []
            return []
        }
        var diags: [Diagnostic] = []
        let split = WordSplitter.split(value, unquote: true)
        for word in split.words {
            if word.text == "native" {
                architectures.insert(context.native)
            } else if let a = Architecture(systemdName: word.text), context.version.acceptsArchitecture(a) {
                architectures.insert(a)
            } else {
                let known = Architecture(name: word.text)
                let suggestion = known.flatMap { context.version.acceptsArchitecture($0) ? $0.systemdName : nil }
                diags.append(diagnostic(.warning, "unknown-architecture",
                    "Failed to parse system call architecture \"\(word.text)\", ignoring: Invalid argument", systemd: true,
                    setting: "SystemCallArchitectures", source: source, column: word.column, text: word.raw,
                    note: known.flatMap { context.version.acceptsArchitecture($0) || $0.systemdName == nil
                        ? nil : "systemd \(context.version) was built without support for \(word.text)" },
                    fix: suggestion.map { "systemd spells it \($0)" }
                        ?? Self.architectureChoices))
            }
        }
        if let col = split.errorColumn {
            diags.append(invalidSyntax(setting: "SystemCallArchitectures", value: value, source: source, column: col))
        }
        return diags
    }

    // MARK: SystemCallLog=

    /// Applies one `SystemCallLog=` assignment. Like SystemCallFilter=, but with no `@default`
    /// and no `:ACTION` suffix (a suffix makes the word an unknown name).
    public mutating func applyLog(_ value: String, source: ValueSource) -> [Diagnostic] {
        var diags: [Diagnostic] = []
        if value.isEmpty {
            log = [:]
            logMode = nil
            return diags
        }
        let invert = value.hasPrefix("~")
        let body = invert ? String(value.dropFirst()) : value
        let offset = invert ? 1 : 0
        if logMode == nil { logMode = invert ? .denyList : .allowList }
        let split = WordSplitter.split(body, unquote: false)
        for word in split.words {
            let column = word.column + offset
            let origin = WordOrigin(source: source, column: column, word: word.raw, implicitDefault: false)
            diags += lint(word: word, column: column, setting: "SystemCallLog", source: source, invertedLine: invert)
            let names: [String]
            let group = word.text.hasPrefix("@")
            if group {
                guard let members = context.catalog.expand(word.text, resolvedBy: context.version) else {
                    diags.append(unknownGroup(word.text, setting: "SystemCallLog", origin: origin))
                    continue
                }
                names = members
            } else {
                let resolution = context.version.resolution(of: word.text)
                guard resolution.resolves else {
                    var d = unknownSyscall(word.text, known: resolution.known, setting: "SystemCallLog", origin: origin)
                    if word.text.contains(":") {
                        d.code = "action-in-log"
                        d.note = "SystemCallLog= takes no ':ACTION' suffix; the whole word is read as a syscall name"
                        d.fix = "write \(ByteSearch.prefix(before: UInt8(ascii: ":"), in: word.text)) without the suffix"
                    }
                    diags.append(d)
                    continue
                }
                names = [word.text]
            }
            let add = invert != (logMode == .allowList)
            // A built-in group added to a smaller map: through its member table, as in `apply`.
            if add, groupTables, names.count > log.count, group,
                let table = Self.memberTable(word.text, names, context)
            {
                var merged = table.mapValues { _ in origin }
                for (other, o) in log where table[other] == nil { merged[other] = o }
                log = merged
                continue
            }
            for n in names { log[n] = add ? origin : nil }
        }
        if let col = split.errorColumn {
            diags.append(invalidSyntax(setting: "SystemCallLog", value: body, source: source, column: col + offset))
        }
        return diags
    }

    // MARK: Diagnostics

    /// `text.contains(Character(ascii))` for `"`, `'` and `%`: a Character equal to one of them is
    /// that scalar alone (none is the canonical decomposition of any other scalar), so it cannot
    /// be there without its byte, and the Character search (grapheme breaking, canonical
    /// comparison) runs only when the byte is.
    static func hasCharacter(_ text: String, _ ascii: UInt8) -> Bool {
        ByteSearch.contains(text, ascii) && text.contains(Character(Unicode.Scalar(ascii)))
    }

    /// Checks for the traps systemd does not explain: `~` on a later word, quotes, `#`, `%`.
    private func lint(word: ValueWord, column: Int, setting: String, source: ValueSource, invertedLine: Bool)
        -> [Diagnostic]
    {
        var d: Diagnostic?
        func make(_ code: String, _ message: String, _ fix: String) {
            d = diagnostic(.warning, code, message, systemd: false, setting: setting, source: source, column: column,
                text: word.raw, note: nil, fix: fix)
        }
        // Most words are none of these. The three bytes are looked for in one visit of the raw word,
        // and the Character tests run only where their byte is (a Character equal to '"', '\'' or '%'
        // is that scalar alone, see `hasCharacter`). The prefixes stay `hasPrefix`: the standard
        // library is not instrumented, a byte test written here is.
        let (quote, apostrophe, percent) = ByteSearch.contains(word.raw, UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "%"))
        if word.text.hasPrefix("~") {
            make("tilde-not-first",
                "'~' only inverts a line as its first character; '\(word.raw)' is read as the name '\(word.text)'",
                invertedLine
                    ? "drop the '~': this line already denies every word (\(word.text.dropFirst()))"
                    : "put the denied names on their own line: \(setting)=\(word.text)")
        } else if (quote && word.raw.contains(Character("\""))) || (apostrophe && word.raw.contains(Character("'"))) {
            make("quote-in-value", "quotes are not removed in \(setting)=; '\(word.raw)' is read literally",
                "remove the quotes; words are separated by spaces")
        } else if word.raw.hasPrefix("#") || word.raw.hasPrefix(";") {
            make("comment-in-value", "'\(word.raw)' is not a comment: \(setting)= has no inline comments",
                "move the comment to its own line starting with '#'")
        } else if percent && word.raw.contains(Character("%")) {
            make("specifier-in-value", "specifiers are not expanded in \(setting)=; '\(word.raw)' is read literally",
                "write the syscall or group name itself")
        }
        return d.map { [$0] } ?? []
    }

    /// The finding for a name this systemd does not resolve; `known` is `SyscallTable.isKnown(name)`
    /// (the caller's `SystemdVersion.resolution(of:)` looked it up). A known name's fix is not a
    /// suggestion, so none is looked for (its turn from `suggestionsLeft` is still taken).
    private mutating func unknownSyscall(_ name: String, known: Bool, setting: String, origin: WordOrigin) -> Diagnostic {
        let message: String
        switch context.version {
        case .v252: message = "Failed to parse system call, ignoring: \(name)"
        case .v262: message = "System call \(name) is not known, ignoring."
        }
        var note: String?
        var fix: String? = takeSuggestion() && !known
            ? Suggestions.nearest(name, in: Suggestions.syscallNames).map { "did you mean '\($0)'?" } : nil
        if known {
            note = "systemd \(context.version) resolves names with libseccomp 2.5.4, which does not know '\(name)'"
            fix = "the call is filtered only by a newer systemd (--systemd 262); allow-lists deny it in 252"
        } else if name.hasPrefix("~") || Self.hasCharacter(name, UInt8(ascii: "\"")) || Self.hasCharacter(name, UInt8(ascii: "'"))
            || name.hasPrefix("#")
        {
            fix = nil  // The lint diagnostic at the same column already explains it.
        }
        return diagnostic(.warning, "unknown-syscall", message, systemd: true, setting: setting, source: origin.source,
            column: origin.column, text: origin.word, note: note, fix: fix)
    }

    private mutating func unknownGroup(_ name: String, setting: String, origin: WordOrigin) -> Diagnostic {
        let names = context.catalog.groupNames
        var note: String?
        if name == "@sandbox", context.version == .v252 { note = "@sandbox exists from systemd 254 on (here: 262)" }
        return diagnostic(.warning, "unknown-group", "Unknown system call group, ignoring: \(name)", systemd: true,
            setting: setting, source: origin.source, column: origin.column, text: origin.word, note: note,
            fix: (takeSuggestion() ? Suggestions.nearest(name, in: Suggestions.groupIndex(names)) : nil).map { "did you mean '\($0)'?" }
                ?? "list the groups with: seccompose syscall-filter --systemd \(context.version)")
    }

    private func invalidSyntax(setting: String, value: String, source: ValueSource, column: Int) -> Diagnostic {
        diagnostic(.warning, "invalid-syntax", "Invalid syntax, ignoring: \(value)", systemd: true, setting: setting,
            source: source, column: column, text: value,
            note: "a trailing backslash or an unterminated quote; the rest of the value is ignored",
            fix: "remove the stray backslash or close the quote")
    }

    private func actionNote(_ word: String) -> String? {
        guard let colon = ByteSearch.firstCharacter(UInt8(ascii: ":"), in: word) else { return nil }
        let action = word[word.index(after: colon)...]
        if colon == word.startIndex { return "the syscall name before ':' is empty" }
        if action.isEmpty { return "nothing follows the ':'" }
        if action.lowercased() == "kill" { return "'kill' must be written in lower case" }
        if let n = ErrnoParsing.safeAtoi(String(action)) { return "\(n) is outside 0…4095" }
        if action.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) {
            return "\(action) is outside 0…4095"
        }
        if action.contains(":") { return "only one ':' is allowed" }
        return "'\(action)' is not an errno name"
    }

    func diagnostic(
        _ severity: Diagnostic.Severity, _ code: String, _ message: String, systemd: Bool, setting: String,
        source: ValueSource, column: Int, text: String, note: String?, fix: String?
    ) -> Diagnostic {
        let place = source.place(advancedBy: column - 1)
        return Diagnostic(severity: severity, code: code, message: message, isSystemdMessage: systemd, setting: setting,
            file: source.file, line: place.line, column: place.column, text: text, note: note, fix: fix)
    }
}

/// "Did you mean" suggestions.
enum Suggestions {
    /// The edit-distance limit for a name of `count` bytes: 1, or 2 from 8 bytes on.
    static func limit(forLength count: Int) -> Int { min(2, max(1, count / 4)) }

    /// Candidates grouped by length in bytes, each with its position in the original list, and
    /// where each pair of adjacent bytes (bigram) occurs.
    struct Index: Sendable {
        /// `byLength[n]`: the position of every candidate of n bytes, in list order.
        var byLength: [[Int]] = []
        /// `bytes[p]`: the bytes of the candidate at position p.
        var bytes: [[UInt8]] = []
        var names: [String]
        /// Bigram (`first << 8 | second`) → the position of the candidate of each occurrence.
        var postings: [Int: [Int]] = [:]
        /// The key under which `nearest(_:in:)` remembers its answers over this list (nil: none
        /// remembered). Set only for the lists made once per key (`index(_:_:)`, `syscallNames`).
        var memoKey: String?

        init(_ names: [String]) {
            self.names = names
            for (position, name) in names.enumerated() {
                let bytes = Array(name.utf8)
                self.bytes.append(bytes)
                while byLength.count <= bytes.count { byLength.append([]) }
                byLength[bytes.count].append(position)
                for i in bytes.indices.dropLast() { postings[Int(bytes[i]) << 8 | Int(bytes[i + 1]), default: []].append(position) }
            }
        }
    }

    /// Every syscall name, indexed once (the candidates of unknown-syscall suggestions).
    static let syscallNames: Index = {
        var index = Index(SyscallTable.allNames)
        index.memoKey = "syscalls"
        return index
    }()

    /// Indexes of fixed candidate lists, made once per `key`.
    private static let cache = Mutex<[String: Index]>([:])

    /// The index of the candidates `make` returns, made on the first call with `key` (the same
    /// key must always stand for the same list).
    static func index(_ key: String, _ make: () -> [String]) -> Index {
        if let hit = cache.withLock({ $0[key] }) { return hit }
        var made = Index(make())
        made.memoKey = key
        cache.withLock { $0[key] = made }
        return made
    }

    /// The last group-name lists `groupIndex` was asked for (a few: the catalogs of both
    /// versions alternate), with their index keys.
    private static let lastGroups = Mutex<[(names: [String], key: String)]>([])

    /// The index of a catalog's group names (`index("groups " + names joined by spaces)`): the
    /// key is joined once per list, not once per unknown group (a catalog's `groupNames` is one
    /// stored array, so comparing it with the last list is usually a buffer comparison).
    static func groupIndex(_ names: [String]) -> Index {
        let key: String
        if let hit = lastGroups.withLock({ last in last.first { $0.names == names }?.key }) {
            key = hit
        } else {
            key = "groups " + names.joined(separator: " ")
            lastGroups.withLock { last in
                if last.count >= 4 { last.removeFirst() }
                last.append((names, key))
            }
        }
        return index(key) { names }
    }

    /// The closest candidate within an edit distance of 1 (2 for names of 8 or more bytes), if any;
    /// the first of equally close ones.
    static func nearest(_ name: String, in candidates: [String]) -> String? {
        nearest(name, in: Index(candidates))
    }

    /// A remembered answer: the name looked up, over the list of `list` (an index's `memoKey`).
    struct MemoKey: Hashable {
        var list: String
        var name: InlineName
    }

    /// The bytes of a name of at most `memoNameBytes` bytes, held inline (eight words and a
    /// length): a memo key that allocates nothing, whatever the name's length.
    struct InlineName: Hashable {
        var count: Int
        var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        /// The bytes `words` holds.
        static let capacity = MemoryLayout<(UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)>.size

        /// The bytes of `name`, or nil when it has more than `memoNameBytes` (or than `words` holds).
        init?(_ name: String) {
            let utf8 = name.utf8
            guard utf8.count <= memoNameBytes, utf8.count <= Self.capacity else { return nil }
            count = utf8.count
            withUnsafeMutableBytes(of: &words) { out in
                let copied = utf8.withContiguousStorageIfAvailable { source -> Bool in
                    out.copyMemory(from: UnsafeRawBufferPointer(source))
                    return true
                }
                if copied != true {
                    for (i, b) in utf8.enumerated() { out[i] = b }
                }
            }
        }

        static func == (a: InlineName, b: InlineName) -> Bool {
            a.count == b.count && a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2
                && a.words.3 == b.words.3 && a.words.4 == b.words.4 && a.words.5 == b.words.5
                && a.words.6 == b.words.6 && a.words.7 == b.words.7
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(count)
            // The name's bytes only (equal names have equal counts; the rest is zeros).
            withUnsafeBytes(of: words) { hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
    }

    /// Answers of `nearest(_:in:)` over the lists made once per key: the answer depends only on
    /// the name and the list, and unknown names repeat (a fuzzer's mutations of one input, the
    /// same misspelling in many units). Emptied when it reaches `memoLimit` entries.
    ///
    /// Its room is made once and names are kept as inline bytes (`InlineName`): remembering an
    /// answer then allocates nothing that outlives the call (libFuzzer under ASan re-runs every
    /// input that leaves more allocations than frees with a leak check, which cost more than the
    /// memo saved). `computeNearest` answers nil at once for longer names.
    private static let memo = Mutex<[MemoKey: String?]>(Dictionary(minimumCapacity: memoLimit))
    static let memoLimit = 4096
    /// The longest name the memo holds: the longest one a suggestion is looked for at all
    /// (`computeNearest` answers nil at once beyond it), so every answer can be remembered.
    static let memoNameBytes = longestSuggestible
    /// The longest name (UTF-8 bytes) for which a suggestion is computed.
    static let longestSuggestible = 64

    /// `nearest(_:in:)` over an index: only candidates whose length is within the limit are
    /// looked at, and each distance is computed within the band of the limit only. Answers over
    /// an index with a `memoKey` are remembered.
    static func nearest(_ name: String, in index: Index) -> String? {
        guard let list = index.memoKey, let inline = InlineName(name) else { return computeNearest(name, in: index) }
        let key = MemoKey(list: list, name: inline)
        if let hit = memo.withLock({ $0[key] }) { return hit }
        let made = computeNearest(name, in: index)
        memo.withLock {
            if $0.count >= memoLimit { $0.removeAll(keepingCapacity: true) }
            $0.updateValue(made, forKey: key)
        }
        return made
    }

    /// `nearest(_:in:)` computed, never remembered.
    static func computeNearest(_ name: String, in index: Index) -> String? {
        let target = Array(name.utf8)
        guard target.count <= longestSuggestible else { return nil }
        let limit = limit(forLength: target.count)
        var best: (position: Int, distance: Int)?
        let lengths = max(0, target.count - limit)...(target.count + limit)
        // The bigram filter: k edits destroy at most 2k of a string's bigrams, so strings within
        // k share at least max(length) - 1 - 2k bigram occurrences. `shared[p]` counts, for each
        // bigram occurrence of the target, the candidate's occurrences of it (never fewer than
        // the shared occurrences), so a candidate under the bound cannot be within the limit.
        //
        // The counts are 16-bit (a quarter of the room to clear per call): only candidates of at most
        // `longestSuggestible + 2` bytes are ever read (`lengths`), and such a candidate's count is at
        // most (target bigrams, ≤ 63) × (its bigrams, ≤ 65) < 2^16, so it is exact; the counts of
        // longer candidates (a user set's group names can be any length) may wrap and are never read.
        var shared = [UInt16](repeating: 0, count: index.names.count)
        // Every posting is a position in `names` (made so by `Index.init`), so the counts are
        // written through the buffer without a bounds check per posting.
        shared.withUnsafeMutableBufferPointer { counts in
            for i in target.indices.dropLast() {
                guard let postings = index.postings[Int(target[i]) << 8 | Int(target[i + 1])] else { continue }
                for p in postings { counts[p] &+= 1 }
            }
        }
        // The candidates of each length are positions, and the counts are read through a buffer (every
        // position is an index of `shared`, made so by `Index.init`): a candidate under the bound costs
        // the test of its count only (its bytes are fetched when it passes).
        target.withUnsafeBufferPointer { a in
            shared.withUnsafeBufferPointer { counts in
                // Two rows of the band (2 × limit + 1 cells each, plus sentinels), on the stack.
                withUnsafeTemporaryAllocation(of: Int.self, capacity: 2 * 8) { rows in
                    for length in lengths where length < index.byLength.count {
                        let bound = max(target.count, length) - 1 - 2 * limit
                        index.byLength[length].withUnsafeBufferPointer { positions in
                            for position in positions where Int(counts[position]) >= bound {
                                let d = index.bytes[position].withUnsafeBufferPointer { distance(a, $0, limit: limit, rows: rows) }
                                guard d <= limit else { continue }
                                if let b = best, d > b.distance || (d == b.distance && position > b.position) { continue }
                                best = (position, d)
                            }
                        }
                    }
                }
            }
        }
        return best.map { index.names[$0.position] }
    }

    /// The edit distance of `a` and `b` (bytes) when it is at most `limit` (≤ 2), otherwise
    /// `limit + 1`. Only the cells within `limit` of the diagonal are computed (a path through
    /// any other cell costs more than `limit`), and a row whose cells all exceed `limit` ends the
    /// computation. `rows` holds at least 2 × (2 × limit + 3) integers.
    static func distance(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>, limit: Int,
        rows: UnsafeMutableBufferPointer<Int>) -> Int
    {
        let over = limit + 1
        if abs(a.count - b.count) > limit { return over }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        // Row i holds D[i][j] for j in i-limit ... i+limit at offsets 1 ... 2*limit+1; offsets 0
        // and 2*limit+2 are sentinels (over the limit).
        let width = 2 * limit + 3
        var prev = 0, cur = width
        func cell(_ row: Int, _ j: Int, _ i: Int) -> Int {
            let k = j - (i - limit) + 1
            return k < 1 || k > 2 * limit + 1 || j < 0 || j > b.count ? over : rows[row + k]
        }
        for k in 0..<width { rows[prev + k] = over }
        for j in 0...min(limit, b.count) { rows[prev + j + limit + 1] = j }  // row 0: D[0][j] = j
        for i in 1...a.count {
            var rowMin = over
            for k in 0..<width { rows[cur + k] = over }
            let lo = max(0, i - limit), hi = min(b.count, i + limit)
            if lo <= hi {
                for j in lo...hi {
                    var v: Int
                    if j == 0 {
                        v = i
                    } else {
                        v = min(cell(prev, j, i - 1) + 1, cell(cur, j - 1, i) + 1,
                            cell(prev, j - 1, i - 1) + (a[i - 1] == b[j - 1] ? 0 : 1))
                    }
                    v = min(v, over)
                    rows[cur + j - (i - limit) + 1] = v
                    rowMin = min(rowMin, v)
                }
            }
            if rowMin > limit { return over }
            swap(&prev, &cur)
        }
        return min(cell(prev, b.count, a.count), over)
    }

    /// The edit distance of two byte strings (plain dynamic programming).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
