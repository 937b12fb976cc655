/*
 * cjournal.h - libsystemd's sd-journal, loaded with dlopen() when a journal
 * is first written or read, not at every start of the program.
 *
 * Loading libsystemd.so.0 brings six more libraries (libcap, libgcrypt,
 * libgpg-error, liblzma, libzstd, liblz4) and their constructors: about
 * 0.65 ms of every `seccompose run` on a machine without journald
 * (docs/launch-performance.md, "Ninth round").  The functions keep the types
 * of libsystemd's own header: cjournal.c declares each pointer with
 * typeof(sd_journal_...), so a header that changes a signature is a compile
 * error, and the .note.dlopen ELF note (systemd.io/ELF_DLOPEN_METADATA) tells
 * packaging tools that the program uses libsystemd.so.0.
 *
 * Error convention: negative errno values, as libsystemd's own functions.
 */
#ifndef CJOURNAL_H
#define CJOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The library that is loaded: libsystemd's run-time name (Debian: libsystemd0). */
extern const char *const CSECCOMP_JOURNAL_SONAME;

/** An open journal (sd_journal *). */
typedef struct cseccomp_journal cseccomp_journal;

/**
 * Loads `soname` and resolves every sd-journal function used here, once per
 * process (later calls return at once).  Returns 0, or -1 with a sentence in
 * `error` (at most `size` bytes) saying what is missing.  A failed load leaves
 * nothing loaded, so the call may be repeated.
 */
int cseccomp_journal_load(const char *soname, char *error, size_t size);

/**
 * Opens `soname` and resolves the same functions as cseccomp_journal_load,
 * then closes it again, without loading anything for the calls below: 0, or
 * -1 with the sentence cseccomp_journal_load would give.
 */
int cseccomp_journal_check(const char *soname, char *error, size_t size);

/**
 * The address libsystemd gave for the function `name` (one of those this file
 * resolves, e.g. "sd_journal_sendv"), or NULL when not loaded or unknown.
 * Tests compare it with the function a direct link to libsystemd calls.
 */
const void *cseccomp_journal_function(const char *name);

/* The sd-journal calls; each returns -ENOPKG when the library is not loaded. */
int cseccomp_journal_sendv(const struct iovec *iov, int n);
int cseccomp_journal_open_local(cseccomp_journal **journal);
int cseccomp_journal_open_directory(cseccomp_journal **journal, const char *path);
void cseccomp_journal_close(cseccomp_journal *journal);
void cseccomp_journal_flush_matches(cseccomp_journal *journal);
int cseccomp_journal_add_match(cseccomp_journal *journal, const void *data, size_t size);
int cseccomp_journal_seek_head(cseccomp_journal *journal);
int cseccomp_journal_seek_realtime_usec(cseccomp_journal *journal, uint64_t usec);
int cseccomp_journal_next(cseccomp_journal *journal);
int cseccomp_journal_get_data(cseccomp_journal *journal, const char *field, const void **data, size_t *length);

#ifdef __cplusplus
}
#endif

#endif /* CJOURNAL_H */
