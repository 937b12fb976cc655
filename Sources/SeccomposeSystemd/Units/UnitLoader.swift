// UnitLoader.swift: finding a unit's fragment and drop-ins under a root, as systemd does.

import SeccomposeDiagnostics
import SeccomposeSyscalls

#if canImport(Glibc)
    import Glibc
#endif
import Synchronization

/// Why a unit could not be loaded (the user can fix the argument or the files).
public struct UnitLoadError: ReportableError, Sendable, Hashable {
    public var unit: String
    public var message: String
    public var fix: String
    /// `UNIT: error: MESSAGE` and the fix.
    public var report: ErrorReport { ErrorReport(message, at: SourcePosition(wholeFile: unit), fix: fix) }
}

/// A unit file read from disk.
public struct UnitSource: Sendable, Hashable {
    /// The path as opened (under the root).
    public var path: String
    public var text: String
    public var isDropIn: Bool

    public init(path: String, text: String, isDropIn: Bool) {
        self.path = path
        self.text = text
        self.isDropIn = isDropIn
    }
}

/// The files that make up one unit: its fragment, then its drop-ins in the order systemd parses them.
public struct LoadedUnit: Sendable {
    public var name: UnitName
    /// The fragment and drop-ins, in parse order.
    public var sources: [UnitSource]
    /// Whether the unit is masked (an empty fragment, or a link to /dev/null).
    public var masked: Bool
    /// The fragment's path (also for a masked unit).
    public var fragmentPath: String?

    public init(name: UnitName, sources: [UnitSource], masked: Bool, fragmentPath: String? = nil) {
        self.name = name
        self.sources = sources
        self.masked = masked
        self.fragmentPath = fragmentPath ?? sources.first?.path
    }
}

/// Loads units under a root directory with systemd's system-manager search paths.
public enum UnitLoader {
    /// The system manager's unit search path, in priority order (`systemd-analyze unit-paths`).
    public static let systemPaths = [
        "/etc/systemd/system.control", "/run/systemd/system.control", "/run/systemd/transient",
        "/run/systemd/generator.early", "/etc/systemd/system", "/etc/systemd/system.attached", "/run/systemd/system",
        "/run/systemd/system.attached", "/run/systemd/generator", "/usr/local/lib/systemd/system", "/lib/systemd/system",
        "/usr/lib/systemd/system", "/run/systemd/generator.late",
    ]

    /// The user manager's unit search path for a user with `home` and runtime directory
    /// `runtime` (`systemd-analyze --user unit-paths`).
    public static func userPaths(home: String, runtime: String) -> [String] {
        [
            "\(home)/.config/systemd/user.control", "\(runtime)/systemd/user.control", "\(runtime)/systemd/transient",
            "\(runtime)/systemd/generator.early", "\(home)/.config/systemd/user", "/etc/xdg/systemd/user", "/etc/systemd/user",
            "\(runtime)/systemd/user", "/run/systemd/user", "\(runtime)/systemd/generator", "\(home)/.local/share/systemd/user",
            "/usr/local/share/systemd/user", "/usr/share/systemd/user", "/usr/local/lib/systemd/user", "/usr/lib/systemd/user",
            "\(runtime)/systemd/generator.late",
        ]
    }

    static func join(_ root: String, _ path: String) -> String {
        root == "/" || root.isEmpty ? path : (root.hasSuffix("/") ? String(root.dropLast()) : root) + path
    }

    static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether the path is a symlink to /dev/null, or an empty regular file: both mask.
    static func masks(_ path: String) -> Bool {
        // Only "/dev/null" matters: a longer link target is read far enough to tell it differs.
        let isNull = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16) { buf -> Bool in
            guard let base = buf.baseAddress else { return false }
            let n = readlink(path, base, buf.count)
            return n == 9 && buf.prefix(9).map { UInt8(bitPattern: $0) }.elementsEqual("/dev/null".utf8)
        }
        if isNull { return true }
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size == 0
    }

    /// The entries of the search directories, each listed once, for loading many units: a name
    /// that is not listed in its directory is not looked up with `stat` at all (one listing of a
    /// search directory replaces a `stat` per unit for each of its possible drop-in directories).
    /// A name that is listed is still checked with `stat`, and a directory that cannot be listed
    /// is not cached, so the answers are the uncached ones. For one `check` run (files that change
    /// meanwhile may be seen as they were when first listed).
    public final class DirectoryCache: Sendable {
        /// Per directory path: its entries, or nil when it is not a directory that can be read.
        private let listings = Mutex<[String: Set<String>?]>([:])

        /// An empty cache.
        public init() {}

        /// Whether `name` may exist in `directory`: false only when the directory was listed
        /// without it, or is not a directory at all.
        func mayContain(_ directory: String, _ name: String) -> Bool {
            if let known = listings.withLock({ $0[directory] }) { return known?.contains(name) ?? true }
            var entries: Set<String>?
            if UnitLoader.isDirectory(directory) {
                entries = (try? TextFile.listDirectory(directory)).map(Set.init)
            } else {
                entries = []
            }
            listings.withLock { $0[directory] = .some(entries) }
            return entries?.contains(name) ?? true
        }
    }

    /// `isFile(directory + "/" + name)`, skipping the `stat` when the cache knows better.
    static func isFile(_ directory: String, _ name: String, _ cache: DirectoryCache?) -> Bool {
        if let cache, !cache.mayContain(directory, name) { return false }
        return isFile(directory + "/" + name)
    }

    /// `isDirectory(directory + "/" + name)`, skipping the `stat` when the cache knows better.
    static func isDirectory(_ directory: String, _ name: String, _ cache: DirectoryCache?) -> Bool {
        if let cache, !cache.mayContain(directory, name) { return false }
        return isDirectory(directory + "/" + name)
    }

    /// Loads `argument`: a unit name (searched under `root`) or a path to a unit file (its
    /// directory is searched for drop-ins too, before the system paths).
    ///
    /// - Parameters:
    ///   - asFile: treat `argument` as a file path even without a `/` (default: only with one).
    ///   - directories: a cache of directory listings shared by the loads of one run (nil: none).
    public static func load(_ argument: String, root: String = "/", searchPaths: [String] = systemPaths,
        asFile: Bool = false, directories: DirectoryCache? = nil) throws(UnitLoadError) -> LoadedUnit
    {
        let isPath = asFile || argument.contains("/")
        let base = String(argument.split(separator: "/").last ?? Substring(argument))
        guard let name = UnitName(validating: base) else {
            throw UnitLoadError(unit: argument, message: "'\(base)' is not a valid unit name",
                fix: "use NAME.service (letters, digits, ':-_.\\' and one '@' for templates)")
        }
        var dirs = searchPaths.map { join(root, $0) }
        var fragment: String?
        if isPath {
            fragment = argument
            if let slash = argument.lastIndex(of: "/") {
                let dir = argument[..<slash]
                dirs.insert(dir.isEmpty ? "/" : String(dir), at: 0)
            } else {
                dirs.insert(".", at: 0)
            }
        } else {
            let candidates = [name.name] + (name.template.map { [$0.name] } ?? [])
            search: for candidate in candidates {
                for d in dirs where isFile(d, candidate, directories)
                    || ((directories?.mayContain(d, candidate) ?? true) && masks(d + "/" + candidate))
                {
                    fragment = d + "/" + candidate
                    break search
                }
            }
        }
        guard let fragment else {
            throw UnitLoadError(unit: argument, message: "unit not found in the search path under \(root)",
                fix: "give the unit file's path, or the root that contains it with --root")
        }
        if masks(fragment) { return LoadedUnit(name: name, sources: [], masked: true, fragmentPath: fragment) }
        let text: String
        do { text = try TextFile.read(fragment, limit: 64 << 20) } catch {
            throw UnitLoadError(unit: fragment, message: error.message, fix: error.fix)
        }
        var sources = [UnitSource(path: fragment, text: text, isDropIn: false)]
        sources += try dropIns(for: name, dirs: dirs, unit: argument, cache: directories)
        return LoadedUnit(name: name, sources: sources, masked: false)
    }

    /// The drop-ins of `name`: `*.conf` in NAME.d/, the template's, the dash prefixes', then the
    /// type's (`service.d/`), across `dirs`; a name found first shadows later files of that name
    /// (an empty file or a /dev/null link masks it); the survivors are parsed by file name.
    static func dropIns(for name: UnitName, dirs: [String], unit: String, cache: DirectoryCache? = nil)
        throws(UnitLoadError) -> [UnitSource]
    {
        var stems = [name.name]
        if let t = name.template { stems.append(t.name) }
        for p in name.dashPrefixes {
            if name.instance != nil { stems.append("\(p)@.\(name.type)") }
            stems.append("\(p).\(name.type)")
        }
        let stemDirectories = stems.map { $0 + ".d" }, typeDirectory = name.type + ".d"
        var directories: [String] = []
        for d in dirs {
            for s in stemDirectories where isDirectory(d, s, cache) { directories.append(d + "/" + s) }
        }
        for d in dirs where isDirectory(d, typeDirectory, cache) { directories.append(d + "/" + typeDirectory) }
        var chosen: [String: String?] = [:]  // file name → path (nil when masked)
        for dir in directories {
            let entries: [String]
            do { entries = try TextFile.listDirectory(dir) } catch { continue }
            for e in entries where e.hasSuffix(".conf") && !e.hasPrefix(".") && chosen[e] == nil {
                let path = dir + "/" + e
                chosen[e] = masks(path) ? .some(nil) : .some(path)
            }
        }
        var out: [UnitSource] = []
        for fileName in chosen.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            guard let entry = chosen[fileName], let path = entry else { continue }
            do {
                out.append(UnitSource(path: path, text: try TextFile.read(path, limit: 64 << 20), isDropIn: true))
            } catch {
                throw UnitLoadError(unit: unit, message: "\(path): \(error.message)", fix: error.fix)
            }
        }
        return out
    }
}
