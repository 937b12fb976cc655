// RiskyCalls.swift: syscalls a learned filter denies by name unless they were observed, even when
// a group on its allow line contains them: the calls that widen a sandbox or reach the kernel's
// most exposed interfaces (namespaces and mounts, tracing and other processes' memory, BPF,
// modules and kexec, io_uring, keyrings, userfaultfd, raw I/O ports).

/// The calls `learn` denies explicitly when they were never observed (sorted; a test checks
/// that every one is a known syscall name).
public enum RiskyCalls {
    /// The names, sorted.
    public static let names: [String] = [
        "acct", "add_key", "bpf", "chroot", "delete_module", "finit_module", "fsconfig", "fsmount", "fsopen", "fspick",
        "init_module", "io_uring_enter", "io_uring_register", "io_uring_setup", "ioperm", "iopl", "kexec_file_load",
        "kexec_load", "keyctl", "mount", "mount_setattr", "move_mount", "open_by_handle_at", "open_tree",
        "perf_event_open", "pivot_root", "process_vm_readv", "process_vm_writev", "ptrace", "quotactl", "reboot",
        "request_key", "setns", "swapoff", "swapon", "syslog", "umount", "umount2", "unshare", "userfaultfd",
    ]
}
