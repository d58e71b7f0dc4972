/*
 * text: the small string tests the code would otherwise write with counted
 * lengths ("static/", 7): a prefix test that returns what follows, and the
 * length of a string literal computed by the compiler.
 */
#ifndef GLOVEBOX_TEXT_H
#define GLOVEBOX_TEXT_H

#include <stddef.h>
#include <string.h>

/* The length of a string literal, without its NUL. */
#define LITERAL_LEN(s) (sizeof("" s) - 1)

/* What follows prefix in s, or NULL when s does not start with it. */
static inline const char *text_after(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(s, prefix, n) == 0 ? s + n : NULL;
}

#endif
