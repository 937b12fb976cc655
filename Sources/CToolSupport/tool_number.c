/* tool_number.c: see include/tool_number.h. */
#include "tool_number.h"

int tool_parse_u64(const char *s, int allow_negative, uint64_t *out)
{
    int negative = 0;
    unsigned base = 10;
    uint64_t value = 0;

    if (allow_negative && *s == '-') {
        negative = 1;
        s++;
    }
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return -1;
    for (; *s != '\0'; s++) {
        unsigned digit;
        if (*s >= '0' && *s <= '9')
            digit = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            digit = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            digit = (unsigned)(*s - 'A' + 10);
        else
            return -1;
        if (digit >= base || value > (UINT64_MAX - digit) / base)
            return -1;
        value = value * base + digit;
    }
    *out = negative ? (uint64_t)0 - value : value;
    return 0;
}
