/* The fakes' call log: one line appended per call to the file named by an environment variable. */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static void fake_log(const char *env, const char *fmt, va_list ap)
{
    const char *path = getenv(env);
    FILE *f = path ? fopen(path, "a") : NULL;
    if (!f)
        return;
    vfprintf(f, fmt, ap);
    fputc('\n', f);
    fclose(f);
}
