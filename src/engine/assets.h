/*
 * assets: files embedded into the binary at build time by tools/embed.c
 * (migrations, templates, static files, bundled profiles), found by path.
 */
#ifndef GLOVEBOX_ASSETS_H
#define GLOVEBOX_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;	   /* e.g. "templates/home.html" */
	const unsigned char *data; /* NUL-terminated; len excludes the NUL */
	size_t len;
};

extern const struct asset assets[]; /* ends with a {0} entry */
extern const size_t assets_count;

const struct asset *asset_find(const char *name);

#endif
