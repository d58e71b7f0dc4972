/*
 * mem: allocation that aborts on out-of-memory (callers never test for NULL),
 * and the per-request arena: many small allocations freed in one go when the
 * response is done.
 */
#ifndef GLOVEBOX_MEM_H
#define GLOVEBOX_MEM_H

#include <stddef.h>

/*
 * The number of elements of an array, so that no call site counts them by
 * hand. a must be an array: a pointer (an array passed into a function)
 * would give a wrong count, so it does not compile. A constant expression.
 */
#define ARRAY_LEN(a)                                                                               \
	(sizeof(a) / sizeof((a)[0]) +                                                              \
	 0 * sizeof(struct {                                                                       \
		 _Static_assert(!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])), \
				"ARRAY_LEN needs an array, not a pointer");                        \
		 int array;                                                                        \
	 }))

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Called first thing in main(): jansson then allocates through xmalloc, so
 * running out of memory inside jansson aborts too, rather than coming back
 * as a NULL that looks like bad input. Its blocks are still free()d. */
void mem_init(void);

/*
 * Arena: bump allocator in chunks. Memory lives until arena_free().
 * An arena has a byte cap (0 = unlimited); exceeding it aborts the process,
 * so request code must bound its inputs before copying them in (the HTTP
 * layer does: body, header and parameter limits are far below the cap).
 */
struct arena;

struct arena *arena_new(size_t cap);
void arena_free(struct arena *a);
void *arena_alloc(struct arena *a, size_t n); /* zeroed, 16-byte aligned */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
size_t arena_used(const struct arena *a);

#endif
