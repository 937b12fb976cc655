#!/usr/bin/env bash
# Installs the Debian 12 packages that building, running and testing Seccompose need (the Swift
# 6.3 toolchain itself must already be on the PATH). Runs apt-get directly as root, through sudo
# otherwise; fails with a message when neither is possible. Used by .ci/run and the README.
#
#   systemd, libsystemd-shared   the systemd-analyze oracle (systemd 252)
#   seccomp                      scmp_sys_resolver (libseccomp 2.5.4)
#   libseccomp-dev, libsystemd-dev, pkg-config   the compiler and launcher stages
#   python3                      the generators in scripts/
#   util-linux                   unshare, for the journal tests
#   gcc, libc6-dev               the C oracles the tests build
#   libstdc++-12-dev             libstdc++.a, linked into the release seccompose
#                                (build-support/static-libstdc++/; the Swift toolchain needs it anyway)
#   linux-source-6.1, xz-utils   the kernel sources data/syscall-arg-types.csv is regenerated from
#   runc                         runs a container under an exported OCI profile (compile --format oci)
#   lxc                          runs a container under LXC policies (the LXC importer's oracle)
#   bubblewrap                   bwrap --seccomp FD, the launch benchmark's reference (scripts/bench-run.py)
set -euo pipefail

packages=(
    systemd libsystemd-shared seccomp libseccomp-dev libsystemd-dev pkg-config python3 util-linux
    gcc libc6-dev libstdc++-12-dev linux-source-6.1 xz-utils runc lxc bubblewrap
)

if [ "$(id -u)" = 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "$0: installing packages needs root: run this script as root, or install sudo" >&2
    echo "  (as root: apt-get install -y ${packages[*]})" >&2
    exit 1
fi

"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null

command -v swift >/dev/null 2>&1 || echo "$0: note: no swift on the PATH; install the Swift 6.3 toolchain (swift.org)" >&2
exit 0
