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

    /// Reads `handle` until end of file. Uses read(2) directly and retries on EINTR: Foundation's
    /// `readDataToEndOfFile()` traps on EINTR, which SIGCHLD from other tests' processes causes.
    init(_ handle: FileHandle) {
        let fd = handle.fileDescriptor
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
        return env
    }

    /// Runs `executable` with `arguments`, capturing stdout, stderr and the exit status. A run
    /// longer than `timeout` seconds is killed and reported with `timedOut`.
    public static func run(
        _ executable: String, _ arguments: [String], in directory: URL? = nil, timeout: TimeInterval = defaultTimeout
    ) throws -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = childEnvironment
        if let directory { process.currentDirectoryURL = directory }
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        let start = Date()
        do {
            try process.run()
        } catch {
            throw SupportError(description: "cannot start \(executable): \(error)")
        }
        let out = PipeCollector(outPipe.fileHandleForReading)
        let err = PipeCollector(errPipe.fileHandleForReading)
        var timedOut = false
        if exited.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            let pid = process.processIdentifier
            kill(pid, SIGTERM)
            if exited.wait(timeout: .now() + 5) == .timedOut {
                kill(pid, SIGKILL)
                exited.wait()
            }
        }
        let duration = Date().timeIntervalSince(start)
        let status: Int32 = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return RunResult(command: [executable] + arguments, stdoutData: out.result(timeout: 10),
            stderrData: err.result(timeout: 10), status: status, timedOut: timedOut, duration: duration)
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

