// SyscallFilterListing.swift: the text of `systemd-analyze syscall-filter`, reproduced.

import SeccomposeSyscalls

/// Renders group listings exactly as `systemd-analyze syscall-filter [@SET…]` prints them
/// (plain output, as when stdout is not a terminal).
public enum SyscallFilterListing {
    /// The outcome of one listing: what goes to stdout and stderr, and whether it failed.
    public struct Output: Sendable, Equatable {
        public var standardOutput: String
        public var standardError: String
        /// The first requested group that does not exist, if any; the listing stops there.
        public var missingGroup: String?
    }

    /// The kernel-internal names systemd hides from the "Unlisted" section.
    static let hiddenKernelNames: Set<String> = ["newuname", "newfstat", "newstat", "newlstat", "sysctl"]

    /// Renders the listing.
    ///
    /// - Parameters:
    ///   - catalog: the groups of the selected systemd version.
    ///   - requested: group names to print; empty prints everything plus the trailing sections.
    ///   - quiet: leave out the "Ungrouped" and "Unlisted" sections (`--quiet`).
    ///   - kernelSyscalls: the syscalls of the running kernel (from tracefs), or the reason
    ///     they could not be read.
    public static func render(
        catalog: SetCatalog, requested: [String], quiet: Bool = false,
        kernelSyscalls: Result<Set<String>, KernelSyscallListError>
    ) -> Output {
        var out = ""
        var err = ""
        var first = true
        func dump(_ g: SyscallGroup) {
            out += g.name + "\n"
            out += "    # " + g.description + "\n"
            for m in g.members { out += "    " + m.name + "\n" }
        }
        if !requested.isEmpty {
            for name in requested {
                if !first { out += "\n" }
                guard let g = catalog.group(named: name) else {
                    err += "Filter set \"\(name)\" not found.\n"
                    return Output(standardOutput: out, standardError: err, missingGroup: name)
                }
                dump(g)
                first = false
            }
            return Output(standardOutput: out, standardError: err, missingGroup: nil)
        }
        for g in catalog.groups {
            if !first { out += "\n" }
            dump(g)
            first = false
        }
        if quiet { return Output(standardOutput: out, standardError: err, missingGroup: nil) }
        let ungrouped = catalog.ungrouped
        if !ungrouped.isEmpty {
            out += "\n# Ungrouped System Calls (known but not included in any of the groups except @known):\n"
            for n in ungrouped { out += "#   \(n)\n" }
        }
        switch kernelSyscalls {
        case .failure(let e):
            out += "\n"
            err += "# Not showing unlisted system calls, couldn't retrieve kernel system call list: \(e.reason)\n"
        case .success(let kernel):
            let listed = catalog.allDirectMembers
            let unlisted = kernel.filter { !listed.contains($0) && !hiddenKernelNames.contains($0) }
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            if !unlisted.isEmpty {
                out += "\n# Unlisted System Calls (supported by the local kernel, but not included in any of the groups listed above):\n"
                for n in unlisted { out += "#   \(n)\n" }
            }
        }
        return Output(standardOutput: out, standardError: err, missingGroup: nil)
    }

    /// Why the kernel's syscall list could not be read.
    public struct KernelSyscallListError: Error, Sendable, Equatable {
        /// The `strerror` text, e.g. "No such file or directory".
        public var reason: String
        public init(reason: String) { self.reason = reason }
    }

    /// Reads the running kernel's syscalls from tracefs, as systemd does: the
    /// `syscalls:sys_enter_NAME` events of `/sys/kernel/tracing/available_events`, or of
    /// `/sys/kernel/debug/tracing/available_events` when the first cannot be opened.
    public static func kernelSyscalls(
        paths: [String] = ["/sys/kernel/tracing/available_events", "/sys/kernel/debug/tracing/available_events"]
    ) -> Result<Set<String>, KernelSyscallListError> {
        var lastError = KernelSyscallListError(reason: "No such file or directory")
        for path in paths {
            let text: String
            do {
                text = try TextFile.read(path)
            } catch {
                let prefix = "cannot open: "
                lastError = KernelSyscallListError(
                    reason: error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message)
                continue
            }
            var names: Set<String> = []
            for line in text.split(separator: "\n") where line.hasPrefix("syscalls:sys_enter_") {
                names.insert(String(line.dropFirst("syscalls:sys_enter_".count)))
            }
            return .success(names)
        }
        return .failure(lastError)
    }
}
