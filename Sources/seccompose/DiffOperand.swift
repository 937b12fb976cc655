// DiffOperand.swift: the operands of `seccompose diff`: what each names and how it becomes a
// filter stack (policies through the library's one FilterRequest).

import FoundationEssentials
import Glibc
import SeccomposeCompiler
import SeccomposeDiagnostics
import SeccomposeDiff
import SeccomposeInput
import SeccomposeOCI
import SeccomposeRuntime
import SeccomposeSets
import SeccomposeSyscalls
import SeccomposeSystemd

/// One operand of `diff`, by kind.
enum DiffOperand {
    /// A unit file (with its drop-ins).
    case unit(String)
    /// A Docker/OCI profile (JSON).
    case profile(String)
    /// An LXC seccomp policy (version 1 or 2).
    case lxc(String)
    /// A raw program (`struct sock_filter` bytes, as `compile --format raw` writes them).
    case raw(String)
    /// The filters of a running process.
    case pid(Int32)
    /// A `SystemCallFilter=` value.
    case expression(String)

    /// The operand `text` names: `pid:N`, `expr:VALUE`, a `.bpf` file, a JSON profile (a file
    /// whose first non-blank character is `{`), an LXC policy (a file whose first line is `1` or
    /// `2`), otherwise a unit file.
    ///
    /// - Throws: `DiffError` for a malformed `pid:` or an unreadable file.
    init(_ text: String) throws(DiffError) {
        if text.hasPrefix("pid:") {
            guard let pid = Int32(text.dropFirst(4)), pid > 0 else {
                throw DiffError("operand '\(text)': 'pid:' needs a process id", fix: "write e.g. pid:1234")
            }
            self = .pid(pid)
            return
        }
        if text.hasPrefix("expr:") {
            self = .expression(String(text.dropFirst(5)))
            return
        }
        if text.hasSuffix(".bpf") {
            self = .raw(text)
            return
        }
        let fd = open(text, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw DiffError("\(text): cannot open the file",
                fix: "give a unit file, a profile (.json), a raw program (.bpf), pid:N or expr:VALUE")
        }
        // The first 4096 bytes (fewer at the end of the file), read as a pipe gives them.
        var head = [UInt8](repeating: 0, count: 4096)
        var filled = 0
        while filled < head.count {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress.map { $0 + filled }, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            filled += n
        }
        close(fd)
        head.removeSubrange(filled...)
        let first = head.first { !(" \t\r\n" as String).utf8.contains($0) }
        let firstLine = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
        if LXCPolicyImporter.isLXCPolicy(firstLine) {
            self = .lxc(text)
            return
        }
        self = first == UInt8(ascii: "{") ? .profile(text) : .unit(text)
    }

    /// Whether the operand is built by the systemd emulation (a unit or an expression).
    var usesSystemd: Bool {
        switch self {
        case .unit, .expression: return true
        default: return false
        }
    }

    /// Whether the operand is a policy (built, then compiled) rather than BPF.
    var isPolicy: Bool {
        switch self {
        case .unit, .expression, .profile, .lxc: return true
        default: return false
        }
    }

    /// Whether the operand is an OCI profile (what --caps and --kernel apply to).
    var isProfile: Bool {
        if case .profile = self { return true }
        return false
    }
}
