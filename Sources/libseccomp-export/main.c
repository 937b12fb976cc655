/*
 * libseccomp-export - build a seccomp policy with libseccomp and write the
 * resulting classic-BPF program (seccomp_export_bpf, raw little-endian
 * struct sock_filter array) to stdout.  This is Seccompose's differential
 * oracle: the same policy compiled by libseccomp, for comparison.
 *
 * usage: libseccomp-export < SPEC
 *
 * The spec has one directive per line; '#' starts a comment, blank lines
 * are ignored, words are separated by blanks:
 *
 *   default ACTION          seccomp_init(ACTION); exactly once, required
 *   badarch ACTION          SCMP_FLTATR_ACT_BADARCH
 *   optimize 1|2            SCMP_FLTATR_CTL_OPTIMIZE (1: priority/sorted
 *                           list, 2: binary tree)
 *   arch NAME               a libseccomp architecture name (x86_64, x86,
 *                           x32, aarch64, arm, riscv64, ppc64le, s390x,
 *                           mips, ...; "i386" is accepted for x86).  With
 *                           any arch line the filter holds exactly the
 *                           listed architectures (the native one is removed
 *                           unless listed); without, just the native one.
 *   rules exact|translated  how rules are added: seccomp_rule_add_exact_array
 *                           or seccomp_rule_add_array.  Default: exact for a
 *                           single-architecture filter, translated for more
 *                           (libseccomp refuses exact rules with -EOPNOTSUPP
 *                           once a filter has several architectures).
 *   output bpf|pfc          what to write: the raw program (default) or
 *                           libseccomp's pseudo filter code
 *                           (seccomp_export_pfc), which is rendered from the
 *                           rule database, not from the program: where the
 *                           two differ, libseccomp miscompiled the filter.
 *   rule ACTION SYSCALL [ARG OP DATUM [DATUM2]]...
 *                           SYSCALL is a name (resolved with
 *                           seccomp_syscall_resolve_name, so syscalls absent
 *                           on the native arch get libseccomp's negative
 *                           pseudo numbers) or a native syscall number.
 *                           ARG is 0..5; OP is eq ne lt le gt ge masked_eq;
 *                           masked_eq takes the mask as DATUM and the value
 *                           as DATUM2.
 *
 * ACTION is one of: allow, kill_process, kill_thread, log, notify,
 * errno N, trace N, trap [N].  libseccomp 2.5.4 has no SCMP_ACT_TRAPX, so
 * "trap N" always yields SCMP_ACT_TRAP (data 0); N is accepted and ignored.
 * Numbers are decimal or 0x-prefixed hex; DATUM is unsigned 64-bit, action
 * data (N) is 0..0xffff.
 *
 * Directives are applied in this order regardless of their position:
 * default, no_new_privs off (SCMP_FLTATR_CTL_NNP = 0), badarch, optimize,
 * arch, then the rules in file order.
 *
 * Exit status 0 on success.  On any failure nothing sensible is on stdout,
 * stderr has "line N: WHAT: -ERRNO STRERROR" (line 0 for whole-spec
 * problems), and the exit status is 1.  libseccomp's own errors come through
 * unchanged: e.g. -EACCES for a rule whose action equals the default,
 * -EDOM or -EINVAL for a syscall that does not exist on an architecture
 * (exact rules), -EEXIST for a repeated arch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tool_number.h"

#include <seccomp.h>

#define MAX_WORDS 64      /* words per line */
#define MAX_CONDS 16      /* conditions per rule (libseccomp takes at most 6) */
#define MAX_ARCHES 32

enum rules_mode { RULES_AUTO, RULES_EXACT, RULES_TRANSLATED };

struct rule {
    unsigned line;
    uint32_t action;
    int syscall;
    char *name;
    unsigned ncond;
    struct scmp_arg_cmp cond[MAX_CONDS];
};

struct arch {
    unsigned line;
    uint32_t token;
    char *name;
};

/* Everything the spec says, collected before libseccomp is called. */
struct spec {
    unsigned default_line;
    uint32_t default_action;
    unsigned badarch_line;
    uint32_t badarch_action;
    unsigned optimize_line;
    uint32_t optimize_level;
    enum rules_mode rules_mode;
    int output_pfc;
    unsigned narch;
    struct arch arch[MAX_ARCHES];
    size_t nrule, rule_cap;
    struct rule *rule;
};

/* Report "line N: WHAT: -ERRNO STRERROR" and exit 1.  err is positive. */
static void fail(unsigned line, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void fail(unsigned line, int err, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "line %u: ", line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": -%d %s\n", err, strerror(err));
    exit(1);
}

static int is_number(const char *s)
{
    uint64_t ignored;
    return tool_parse_u64(s, 0, &ignored) == 0;
}

/* Parse the action data word words[*i] (0..0xffff), advancing *i. */
static uint32_t parse_action_data(unsigned line, char **words, int nwords, int *i,
                                  const char *action)
{
    uint64_t n;

    if (*i >= nwords || tool_parse_u64(words[*i], 0, &n) != 0 || n > 0xffff)
        fail(line, EINVAL, "'%s' needs a number 0..0xffff", action);
    (*i)++;
    return (uint32_t)n;
}

/*
 * Parse an action starting at words[*i]; an action with data takes two
 * words.  Advances *i past it.
 */
static uint32_t parse_action(unsigned line, char **words, int nwords, int *i)
{
    const char *word;

    if (*i >= nwords)
        fail(line, EINVAL, "missing action");
    word = words[(*i)++];
    if (strcmp(word, "allow") == 0)
        return SCMP_ACT_ALLOW;
    if (strcmp(word, "kill_process") == 0)
        return SCMP_ACT_KILL_PROCESS;
    if (strcmp(word, "kill_thread") == 0)
        return SCMP_ACT_KILL_THREAD;
    if (strcmp(word, "log") == 0)
        return SCMP_ACT_LOG;
    if (strcmp(word, "notify") == 0)
        return SCMP_ACT_NOTIFY;
    if (strcmp(word, "errno") == 0)
        return SCMP_ACT_ERRNO(parse_action_data(line, words, nwords, i, word));
    if (strcmp(word, "trace") == 0)
        return SCMP_ACT_TRACE(parse_action_data(line, words, nwords, i, word));
    if (strcmp(word, "trap") == 0) {
        /* Optional data; no syscall name starts with a digit.  Without
         * SCMP_ACT_TRAPX (libseccomp >= 2.6) the data cannot be expressed. */
        if (*i < nwords && is_number(words[*i]))
            (void)parse_action_data(line, words, nwords, i, word);
        return SCMP_ACT_TRAP;
    }
    fail(line, EINVAL, "unknown action '%s'", word);
}

static enum scmp_compare parse_op(unsigned line, const char *word)
{
    static const struct {
        const char *name;
        enum scmp_compare op;
    } ops[] = {
        { "eq", SCMP_CMP_EQ }, { "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT },
        { "le", SCMP_CMP_LE }, { "gt", SCMP_CMP_GT }, { "ge", SCMP_CMP_GE },
        { "masked_eq", SCMP_CMP_MASKED_EQ },
    };

    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
        if (strcmp(word, ops[k].name) == 0)
            return ops[k].op;
    fail(line, EINVAL, "unknown comparison '%s'", word);
}

static uint64_t parse_datum(unsigned line, char **words, int nwords, int i)
{
    uint64_t v;

    if (i >= nwords || tool_parse_u64(words[i], 0, &v) != 0)
        fail(line, EINVAL, "condition needs a 64-bit number");
    return v;
}

/* Split line (modified in place) into words, dropping a '#' comment. */
static int split_words(unsigned line, char *text, char **words)
{
    int n = 0;
    char *save = NULL;

    text[strcspn(text, "#")] = '\0';
    for (char *w = strtok_r(text, " \t\r\n\v\f", &save); w != NULL;
         w = strtok_r(NULL, " \t\r\n\v\f", &save)) {
        if (n == MAX_WORDS)
            fail(line, E2BIG, "more than %d words", MAX_WORDS);
        words[n++] = w;
    }
    return n;
}

static void parse_rule(struct spec *spec, unsigned line, char **words, int nwords)
{
    struct rule *r;
    int i = 1;
    uint64_t number;

    if (spec->nrule == spec->rule_cap) {
        spec->rule_cap = spec->rule_cap ? 2 * spec->rule_cap : 64;
        spec->rule = realloc(spec->rule, spec->rule_cap * sizeof(*spec->rule));
        if (spec->rule == NULL)
            fail(line, ENOMEM, "out of memory");
    }
    r = &spec->rule[spec->nrule++];
    memset(r, 0, sizeof(*r));
    r->line = line;
    r->action = parse_action(line, words, nwords, &i);

    if (i >= nwords)
        fail(line, EINVAL, "missing syscall");
    r->name = strdup(words[i]);
    if (r->name == NULL)
        fail(line, ENOMEM, "out of memory");
    if (tool_parse_u64(words[i], 0, &number) == 0) {
        if (number > INT32_MAX)
            fail(line, EINVAL, "syscall number %s out of range", words[i]);
        r->syscall = (int)number;
    } else {
        r->syscall = seccomp_syscall_resolve_name(words[i]);
        if (r->syscall == __NR_SCMP_ERROR)
            fail(line, ENOENT, "unknown syscall '%s'", words[i]);
    }
    i++;

    /* Conditions: ARG OP DATUM [DATUM2]. */
    while (i < nwords) {
        struct scmp_arg_cmp *c;
        uint64_t arg;

        if (r->ncond == MAX_CONDS)
            fail(line, E2BIG, "more than %d conditions", MAX_CONDS);
        c = &r->cond[r->ncond++];
        if (tool_parse_u64(words[i], 0, &arg) != 0 || arg > 5)
            fail(line, EINVAL, "argument index '%s' is not 0..5", words[i]);
        c->arg = (unsigned)arg;
        if (i + 1 >= nwords)
            fail(line, EINVAL, "condition on argument %u lacks a comparison", c->arg);
        c->op = parse_op(line, words[i + 1]);
        c->datum_a = parse_datum(line, words, nwords, i + 2);
        i += 3;
        if (c->op == SCMP_CMP_MASKED_EQ) {
            /* datum_a is the mask, datum_b the value compared against. */
            c->datum_b = parse_datum(line, words, nwords, i);
            i++;
        }
    }
}

static void parse_spec(FILE *in, struct spec *spec)
{
    char *text = NULL;
    size_t cap = 0;
    unsigned line = 0;
    char *words[MAX_WORDS];

    while (getline(&text, &cap, in) >= 0) {
        int n, i;
        uint64_t number;

        line++;
        n = split_words(line, text, words);
        if (n == 0)
            continue;

        if (strcmp(words[0], "rule") == 0) {
            parse_rule(spec, line, words, n);
        } else if (strcmp(words[0], "default") == 0 || strcmp(words[0], "badarch") == 0) {
            int is_default = words[0][0] == 'd';
            unsigned *seen = is_default ? &spec->default_line : &spec->badarch_line;
            uint32_t *action = is_default ? &spec->default_action : &spec->badarch_action;

            if (*seen != 0)
                fail(line, EINVAL, "second '%s' (first on line %u)", words[0], *seen);
            i = 1;
            *action = parse_action(line, words, n, &i);
            if (i != n)
                fail(line, EINVAL, "trailing words after the action");
            *seen = line;
        } else if (strcmp(words[0], "optimize") != 0 && strcmp(words[0], "arch") != 0 &&
                   strcmp(words[0], "rules") != 0 && strcmp(words[0], "output") != 0) {
            fail(line, EINVAL, "unknown directive '%s'", words[0]);
        } else if (n != 2) {
            fail(line, EINVAL, "'%s' takes exactly one operand", words[0]);
        } else if (strcmp(words[0], "optimize") == 0) {
            if (tool_parse_u64(words[1], 0, &number) != 0 || number < 1 || number > 2)
                fail(line, EINVAL, "optimize takes 1 or 2");
            spec->optimize_line = line;
            spec->optimize_level = (uint32_t)number;
        } else if (strcmp(words[0], "arch") == 0) {
            const char *name = strcmp(words[1], "i386") == 0 ? "x86" : words[1];
            struct arch *a;

            if (spec->narch == MAX_ARCHES)
                fail(line, E2BIG, "more than %d arch lines", MAX_ARCHES);
            a = &spec->arch[spec->narch++];
            a->line = line;
            a->token = seccomp_arch_resolve_name(name);
            if (a->token == 0)
                fail(line, EINVAL, "unknown architecture '%s'", words[1]);
            a->name = strdup(words[1]);
            if (a->name == NULL)
                fail(line, ENOMEM, "out of memory");
        } else if (strcmp(words[0], "output") == 0) {
            if (strcmp(words[1], "bpf") == 0)
                spec->output_pfc = 0;
            else if (strcmp(words[1], "pfc") == 0)
                spec->output_pfc = 1;
            else
                fail(line, EINVAL, "output takes bpf or pfc");
        } else { /* rules */
            if (strcmp(words[1], "exact") == 0)
                spec->rules_mode = RULES_EXACT;
            else if (strcmp(words[1], "translated") == 0)
                spec->rules_mode = RULES_TRANSLATED;
            else
                fail(line, EINVAL, "rules takes exact or translated");
        }
    }
    if (ferror(in))
        fail(line, EIO, "reading the spec");
    free(text);
    if (spec->default_line == 0)
        fail(0, EINVAL, "no 'default' directive");
}

/* Set the filter's architectures to exactly the listed ones. The native arch
 * is removed first when it is not listed: libseccomp refuses to mix byte
 * orders in one filter, so a big-endian arch cannot be added while the
 * (little-endian) native one is still there. */
static void apply_arches(scmp_filter_ctx ctx, const struct spec *spec)
{
    uint32_t native = seccomp_arch_native();
    int native_listed = 0;
    int rc;

    for (unsigned k = 0; k < spec->narch; k++)
        if (spec->arch[k].token == native)
            native_listed = 1;
    if (spec->narch > 0 && !native_listed) {
        rc = seccomp_arch_remove(ctx, native);
        if (rc < 0)
            fail(spec->arch[0].line, -rc, "seccomp_arch_remove(native)");
    }
    int native_seen = 0;
    for (unsigned k = 0; k < spec->narch; k++) {
        const struct arch *a = &spec->arch[k];

        /* The native arch is already present; add it only on repetition,
         * so that a repeated native arch fails like any other (-EEXIST). */
        if (a->token == native && !native_seen) {
            native_seen = 1;
            continue;
        }
        rc = seccomp_arch_add(ctx, a->token);
        if (rc < 0)
            fail(a->line, -rc, "seccomp_arch_add(%s)", a->name);
    }
}

static void apply_rules(scmp_filter_ctx ctx, const struct spec *spec)
{
    /* Count distinct architectures: without arch lines only the native. */
    unsigned narch = spec->narch ? spec->narch : 1;
    int exact = spec->rules_mode == RULES_EXACT ||
                (spec->rules_mode == RULES_AUTO && narch == 1);

    for (size_t k = 0; k < spec->nrule; k++) {
        const struct rule *r = &spec->rule[k];
        int rc = exact ? seccomp_rule_add_exact_array(ctx, r->action, r->syscall,
                                                      r->ncond, r->cond)
                       : seccomp_rule_add_array(ctx, r->action, r->syscall,
                                                r->ncond, r->cond);
        if (rc < 0)
            fail(r->line, -rc, "%s(%s)",
                 exact ? "seccomp_rule_add_exact_array" : "seccomp_rule_add_array",
                 r->name);
    }
}

int main(int argc, char **argv)
{
    struct spec spec;
    scmp_filter_ctx ctx;
    int rc;

    (void)argv;
    if (argc != 1) {
        fputs("usage: libseccomp-export < SPEC   (writes raw BPF to stdout)\n", stderr);
        return 1;
    }

    memset(&spec, 0, sizeof(spec));
    parse_spec(stdin, &spec);

    ctx = seccomp_init(spec.default_action);
    if (ctx == NULL)
        fail(spec.default_line, EINVAL, "seccomp_init");
    /* Only relevant to seccomp_load, but keep the context honest. */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0)
        fail(spec.default_line, -rc, "SCMP_FLTATR_CTL_NNP");
    if (spec.badarch_line != 0) {
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, spec.badarch_action);
        if (rc < 0)
            fail(spec.badarch_line, -rc, "SCMP_FLTATR_ACT_BADARCH");
    }
    if (spec.optimize_line != 0) {
        rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, spec.optimize_level);
        if (rc < 0)
            fail(spec.optimize_line, -rc, "SCMP_FLTATR_CTL_OPTIMIZE");
    }
    apply_arches(ctx, &spec);
    apply_rules(ctx, &spec);

    rc = spec.output_pfc ? seccomp_export_pfc(ctx, STDOUT_FILENO)
                         : seccomp_export_bpf(ctx, STDOUT_FILENO);
    if (rc < 0)
        fail(0, -rc, spec.output_pfc ? "seccomp_export_pfc" : "seccomp_export_bpf");
    seccomp_release(ctx);
    return 0;
}
