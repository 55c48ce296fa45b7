/* execv() takes `char *const argv[]` for historical reasons and never writes
 * through it. exec_args() hands it a vector of const strings without a cast
 * that drops const (-Wcast-qual). */
#ifndef COMMON_EXEC_ARGS_H
#define COMMON_EXEC_ARGS_H

static inline char *const *exec_args(const char *const *argv)
{
    union {
        const char *const *in;
        char *const *out;
    } u = {argv};
    return u.out;
}

#endif
