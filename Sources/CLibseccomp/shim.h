// libseccomp (Debian: libseccomp-dev, 2.5.4 on Debian 12), for the compiler benchmark that runs
// it beside Seccompose in one process. Only the non-variadic calls are used
// (seccomp_rule_add_array, not seccomp_rule_add).
#include <seccomp.h>
