// libsystemd, through pkg-config `libsystemd` (Debian: libsystemd-dev), linked by the tests: they
// check that the sd-journal functions CSeccomp/cjournal.c loads with dlopen on first use are the
// ones this link calls. (Swift cannot call the variadic sd_journal_send(); Seccompose uses
// sd_journal_sendv() with an iovec array.)
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <sys/uio.h>
