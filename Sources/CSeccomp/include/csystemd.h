/*
 * csystemd.h - the few sd-journal functions SeccomposeRuntime calls, resolved from
 * libsystemd.so.0 with dlopen() on first use instead of linked: a launch that finds no journal
 * never loads libsystemd (and its compression and crypto libraries) at all.
 *
 * Each function returns what the libsystemd function returns; when the library cannot be
 * loaded, -ENOSYS (csystemd_journal_close and csystemd_journal_flush_matches do nothing).
 * Types and constants come from libsystemd's own header (libsystemd-dev); nothing is linked.
 */
#ifndef CSYSTEMD_H
#define CSYSTEMD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#ifdef __cplusplus
extern "C" {
#endif

/** 1 when libsystemd.so.0 was loaded with every function below, 0 otherwise (loads it once). */
int csystemd_available(void);

int csystemd_journal_sendv(const struct iovec *iov, int n);
int csystemd_journal_open(sd_journal **ret, int flags);
int csystemd_journal_open_directory(sd_journal **ret, const char *path, int flags);
void csystemd_journal_close(sd_journal *j);
int csystemd_journal_add_match(sd_journal *j, const void *data, size_t size);
void csystemd_journal_flush_matches(sd_journal *j);
int csystemd_journal_seek_head(sd_journal *j);
int csystemd_journal_seek_realtime_usec(sd_journal *j, uint64_t usec);
int csystemd_journal_next(sd_journal *j);
int csystemd_journal_get_data(sd_journal *j, const char *field, const void **data, size_t *length);

#ifdef __cplusplus
}
#endif

#endif
