// seccompose run writes start, violation and exit entries to a real systemd-journald, started by
// the test in private mount, pid and cgroup namespaces with its own /run (the host's journal,
// /run and cgroups are never touched), and read back with journalctl (sd-journal).

import Foundation
import SeccomposeTestSupport
import Testing

@Suite("run: structured journal entries through libsystemd (private journald)", .serialized)
struct JournalTests {
    @Test("start, violation (SYSCALL, SYSCALL_NR, ARCH) and exit entries")
    func entries() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let unshare = try Support.requireTool("unshare", package: "util-linux")
        _ = try Support.requireTool("journalctl", package: "systemd")
        let journald = ["/lib/systemd/systemd-journald", "/usr/lib/systemd/systemd-journald"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
        let daemon = try #require(journald, "systemd-journald is not installed (Debian package systemd)")
        let script = """
            set -e
            mount -t tmpfs tmpfs /run
            mkdir -p /run/systemd/journal /var/log/journal
            mount -t tmpfs tmpfs /var/log/journal
            \(daemon) >/dev/null 2>&1 &
            for i in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.05; done
            set +e
            \(seccompose) run --filter '~rmdir' -- /bin/rmdir /nonexistent-seccompose-journal-test
            echo "status=$?"
            sleep 1
            journalctl --directory=/run/log/journal -o json --no-pager _COMM=seccompose
            kill %1
            """
        let r = try Support.run(unshare, ["--mount", "--pid", "--fork", "--cgroup", "--mount-proc", "sh", "-c", script], timeout: 60)
        #expect(r.stdout.contains("status=159"), "\(r)")
        var entries: [[String: String]] = []
        for line in r.stdoutLines where line.hasPrefix("{") {
            if let data = line.data(using: .utf8), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                entries.append(object.compactMapValues { $0 as? String })
            }
        }
        let start = entries.first { ($0["MESSAGE"] ?? "").hasPrefix("Starting /bin/rmdir") }
        #expect(start?["SECCOMPOSE_FILTER_HASH"]?.isEmpty == false, "\(entries)")
        let violation = entries.first { $0["SYSCALL"] == "rmdir" }
        #expect(violation?["SYSCALL_NR"] == "84" && violation?["ARCH"] == "x86_64", "\(entries)")
        #expect(violation?["SECCOMPOSE_ACTION"] == "kill-process", "\(entries)")
        let exit = entries.first { $0["EXIT_STATUS"] != nil }
        #expect(exit?["EXIT_STATUS"] == "159", "\(entries)")
    }

    @Test("a journal that listens but takes no entry: run warns how many were lost and why; learn --journal says how to fix it")
    func unwritableJournal() throws {
        let seccompose = try Support.requireBuilt("seccompose")
        let unshare = try Support.requireTool("unshare", package: "util-linux")
        _ = try Support.requireTool("ldconfig", package: "libc-bin")
        try Support.withTemporaryDirectory { dir in
            // In a private mount namespace: /run/systemd/journal/socket exists but is a plain file
            // (sd_journal_sendv fails), then also every libsystemd.so.0 is an empty file (dlopen fails).
            let script = """
                mount -t tmpfs tmpfs /run
                mkdir -p /run/systemd/journal && touch /run/systemd/journal/socket
                \(seccompose) run --filter '~rmdir' -- /bin/true
                echo "status=$?"
                : > \(dir.path)/empty
                for l in $(ldconfig -p | awk '/libsystemd\\.so\\.0 / { print $NF }'); do
                    mount --bind \(dir.path)/empty "$(readlink -f "$l")"
                done
                \(seccompose) run --filter '~rmdir' -- /bin/true
                echo "status=$?"
                \(seccompose) learn --journal x.service --journal-directory \(dir.path)
                echo "status=$?"
                """
            let r = try Support.run(unshare, ["--mount", "--fork", "sh", "-c", script], timeout: 60)
            let parts = r.stdout.split(separator: "\n").filter { $0.hasPrefix("status=") }
            #expect(parts == ["status=0", "status=0", "status=2"], "\(r)")
            #expect(r.stderr.contains("seccompose: warning: journal entries were not written (1 so far): cannot write to the journal at /run/systemd/journal/socket: "), "\(r)")
            #expect(r.stderr.contains("seccompose: warning: journal entries were not written (1 so far): cannot load libsystemd.so.0: "), "\(r)")
            #expect(r.stderr.contains("install libsystemd (Debian: apt-get install libsystemd0)"), "\(r)")
            #expect(r.stderr.contains("error: cannot load libsystemd.so.0: ") && !r.stderr.contains("\(dir.path): error"), "\(r)")
        }
    }
}
