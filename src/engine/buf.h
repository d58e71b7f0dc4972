/*
 * buf: growable byte buffer with a hard maximum (like curl's dynbuf).
 * Appends that would pass the maximum fail with -1 and leave the buffer as it
 * was, so a caller can answer "too large" instead of truncating silently.
 * The data is always NUL-terminated. max == 0 means BUF_DEFAULT_MAX.
 */
#ifndef GLOVEBOX_BUF_H
#define GLOVEBOX_BUF_H

#include <stdarg.h>
#include <stddef.h>

#define BUF_DEFAULT_MAX (64u * 1024 * 1024)

struct buf {
	char *data;
	size_t len, cap, max;
};

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b); /* frees the contents */
void buf_reset(struct buf *b);	 /* len = 0, keeps memory */
/* Makes room for n more bytes now (capped at the maximum), so a caller that
 * knows the usual size avoids regrowing. */
void buf_reserve(struct buf *b, size_t n);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* HTML-escapes & < > " ' and appends. */
int buf_put_html(struct buf *b, const char *s, size_t n);
/* Hands the data to the caller (free() it); the buffer is empty afterwards. */
char *buf_detach(struct buf *b, size_t *len);

#endif
