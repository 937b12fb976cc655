// libsystemd, through pkg-config `libsystemd` (Debian: libsystemd-dev). Swift cannot call the
// variadic sd_journal_send(); Seccompose uses sd_journal_sendv() with an iovec array.
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <sys/uio.h>
