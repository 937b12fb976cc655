// Support.swift: helpers shared by the test targets that run programs: where the built
// executables are, running a process with a timeout, finding reference tools, temporary
// directories, and Decodable mirrors of the JSON the CLI prints (docs/json.md).

import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The repository's root directory (this file is Tests/SeccomposeTestSupport/Support.swift).
public let repositoryRoot: String = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return parts.joined(separator: "/")
}()

/// The filters the real systemd 252 installed for seven unit settings, read back by ptrace
/// (Tests/Fixtures/systemd252-oracle): each case directory holds `fragment.txt`, the
/// installed `filter-NN.bpf` files, `summary.txt` and `table-x86_64.txt`.
public enum Systemd252OracleFixtures {
    /// The fixtures' directory.
    public static let directory = repositoryRoot + "/Tests/Fixtures/systemd252-oracle"
    /// Every case, by directory name.
    public static let cases = [
        "arch-native", "basic-io", "deny-mount", "deny-privileged-resources-eperm", "system-service",
        "system-service-eperm", "system-service-native-eperm",
    ]
}

/// What one process run produced.
public struct RunResult: Sendable, CustomStringConvertible {
    public var command: [String]
    public var stdoutData: Data
    public var stderrData: Data
    /// The exit status, or 128 + signal number when a signal ended the process.
    public var status: Int32
    /// Whether the process was killed because it ran longer than its timeout.
    public var timedOut: Bool
    /// Wall-clock time of the run, in seconds.
    public var duration: TimeInterval

    public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
    public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
    public var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
    public var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }

    public var description: String {
        func clip(_ s: String) -> String { s.count > 3000 ? String(s.prefix(3000)) + "\n…(\(s.count) characters)" : s }
        return "$ \(command.joined(separator: " "))\nexit status \(status)\(timedOut ? " (TIMED OUT)" : "")\n"
            + "--- stdout:\n\(clip(stdout))\n--- stderr:\n\(clip(stderr))"
    }
}

public struct SupportError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Collects a pipe's bytes on a background thread.
final class PipeCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    /// Reads `fd` until end of file, then closes it. Uses read(2) directly and retries on EINTR.
    init(fd: Int32) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    lock.lock()
                    data.append(contentsOf: buffer[0..<n])
                    lock.unlock()
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(fd)
            done.signal()
        }
        thread.start()
    }

    /// The bytes read, once the writer closed the pipe (or whatever is there after `timeout`).
    func result(timeout: TimeInterval) -> Data {
        _ = done.wait(timeout: .now() + timeout)
        lock.lock()
        defer { lock.unlock() }
        return data
    }
}

public enum Support {
    /// Held while creating pipes and spawning (see `run`).
    static let spawnLock = NSLock()


    /// The default time limit for one run: a hang fails the test instead of blocking CI.
    public static let defaultTimeout: TimeInterval = 60

    // MARK: Locating executables

    /// An executable of this package built next to the test bundle (`$SECCOMPOSE_BIN` overrides
    /// `seccompose`), or nil.
    public static func builtExecutable(named name: String) -> String? {
        if name == "seccompose", let env = ProcessInfo.processInfo.environment["SECCOMPOSE_BIN"], isExecutableFile(env) {
            return env
        }
        var starts: [URL] = [Bundle.main.bundleURL, Bundle.main.executableURL ?? Bundle.main.bundleURL]
        if let argv0 = CommandLine.arguments.first {
            starts.append(URL(fileURLWithPath: argv0).absoluteURL.deletingLastPathComponent())
        }
        starts += Bundle.allBundles.map(\.bundleURL)
        for start in starts {
            var dir = start.standardizedFileURL
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent(name).path
                if isExecutableFile(candidate) { return candidate }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }

    /// The `seccompose` executable built next to this test bundle (or `$SECCOMPOSE_BIN`).
    public static let seccomposePath: String? = builtExecutable(named: "seccompose")

    /// A built executable of this package, or a failed requirement naming where it was looked for.
    public static func requireBuilt(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(builtExecutable(named: name),
            "the \(name) executable was not found next to the test bundle (\(Bundle.main.bundleURL.path)); build the package",
            sourceLocation: sourceLocation)
    }

    /// A regular file with an execute bit (not a directory such as `Sources/seccompose`).
    public static func isExecutableFile(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return false }
        return (st.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }

    /// `command -v NAME`: the first executable of that name on `$PATH` (plus the sbin directories).
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
        for d in dirs where !d.isEmpty {
            let candidate = d + "/" + name
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    /// The seccompose binary, or a failed requirement naming where it was looked for.
    public static func seccompose(sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(seccomposePath,
            "the seccompose executable was not found next to the test bundle (\(Bundle.main.bundleURL.path), argv[0] \(CommandLine.arguments.first ?? "?")); build it or set SECCOMPOSE_BIN",
            sourceLocation: sourceLocation)
    }

    /// A reference tool that CI installs; a missing one FAILS the test (it is never skipped).
    public static func requireTool(_ name: String, package: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(which(name),
            "\(name) is not installed (Debian package '\(package)'); this differential test needs it and CI installs it — it must not be skipped",
            sourceLocation: sourceLocation)
    }

    // MARK: Running

    /// The environment for child processes: the test's own, made deterministic (help text width,
    /// no pager, no colour, C locale).
    public static var childEnvironment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["COLUMNS"] = "80"
        env["LINES"] = "24"
        env["SYSTEMD_PAGER"] = "cat"
        env["SYSTEMD_COLORS"] = "0"
        env["SYSTEMD_LOG_COLOR"] = "0"
        env["LC_ALL"] = "C.UTF-8"
        env["SECCOMPOSE_BIN"] = nil
        // No host systemd: the default --systemd is the newest, whatever the machine has
        // (ConventionsTests sets its own directory to test the detection).
        env["SECCOMPOSE_SYSTEMD_LIBDIR"] = "/nonexistent/seccompose-tests"
        return env
    }

    /// Runs `executable` with `arguments`, capturing stdout, stderr and the exit status. A run
    /// longer than `timeout` seconds is killed and reported with `timedOut`.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = defaultTimeout
    ) throws -> RunResult {
        // posix_spawn directly: Foundation's Process.run() crashed (memcpy) under parallel tests.
        if let directory {
            // No posix_spawn chdir action in Swift's Glibc module: let sh change directory.
            return try run("/bin/sh", ["-c", "cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments,
                timeout: timeout)
        }
        // Pipes and spawn under one lock, so no other test's child inherits these pipe ends
        // between pipe() and FD_CLOEXEC (pipe2 is not visible from Swift's Glibc module).
        spawnLock.lock()
        var outFDs: [Int32] = [-1, -1], errFDs: [Int32] = [-1, -1]
        guard pipe(&outFDs) == 0, pipe(&errFDs) == 0 else {
            spawnLock.unlock()
            throw SupportError(description: "pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in outFDs + errFDs { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outFDs[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errFDs[1], 2)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = childEnvironment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        close(outFDs[1])
        close(errFDs[1])
        spawnLock.unlock()
        let out = PipeCollector(fd: outFDs[0])
        let err = PipeCollector(fd: errFDs[0])
        guard rc == 0 else {
            _ = out.result(timeout: 5)
            _ = err.result(timeout: 5)
            throw SupportError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var timedOut = false
        func reap(within seconds: TimeInterval) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let r = waitpid(pid, &status, WNOHANG)
                if r == pid || (r < 0 && errno != EINTR) { return true }
                if Date() >= deadline { return false }
                usleep(2000)
            }
        }
        if !reap(within: timeout) {
            timedOut = true
            kill(pid, SIGTERM)
            if !reap(within: 5) {
                kill(pid, SIGKILL)
                _ = reap(within: 3600)
            }
        }
        let duration = Date().timeIntervalSince(start)
        let signal = status & 0x7F
        let code: Int32 = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
        return RunResult(command: [executable] + arguments, stdoutData: out.result(timeout: 10),
            stderrData: err.result(timeout: 10), status: code, timedOut: timedOut, duration: duration)
    }

    /// Runs the built `seccompose` with `arguments`.
    public static func seccompose(
        _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = defaultTimeout,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> RunResult {
        let result = try run(try seccompose(sourceLocation: sourceLocation), arguments, in: directory, timeout: timeout)
        #expect(!result.timedOut, "seccompose ran longer than \(timeout) s:\n\(result)", sourceLocation: sourceLocation)
        // A crash (signal) is never an acceptable outcome, whatever the input.
        #expect(result.status < 128, "seccompose was killed by a signal (crash?):\n\(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Runs a shell command line inside a private mount namespace (`unshare -m`; the host's
    /// mounts are never touched).
    public static func inPrivateMountNamespace(_ shellCommand: String, timeout: TimeInterval = defaultTimeout) throws -> RunResult {
        let unshare = try requireTool("unshare", package: "util-linux")
        return try run(unshare, ["-m", "sh", "-c", shellCommand], timeout: timeout)
    }

    /// Single-quotes a word for `sh`.
    public static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    // MARK: Files

    /// A fresh temporary directory, removed by `body`'s end.
    public static func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory(), isDirectory: true)
            .appendingPathComponent("seccompose-cli-tests-\(UUID().uuidString)", isDirectory: true)
            .resolvingSymlinksInPath()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        return try body(dir)
    }

    public static func write(_ text: String, to url: URL) throws {
        try Data(text.utf8).write(to: url)
    }

    // MARK: JSON

    public static func decode<T: Decodable>(_ type: T.Type, from result: RunResult, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: result.stdoutData)
        } catch {
            Issue.record("stdout is not the expected JSON (\(error)):\n\(result)", sourceLocation: sourceLocation)
            throw error
        }
    }
}


/// A deterministic random generator (SplitMix64), so randomized tests reproduce from their seed.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
