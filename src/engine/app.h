/*
 * app: the process-wide context the server builds at start (configuration,
 * keys, store, templates) and hands to every handler. Filled once by
 * server.c before the HTTP engine starts, read-only afterwards.
 */
#ifndef GLOVEBOX_APP_H
#define GLOVEBOX_APP_H

#include "config.h"

struct crypto_keys;
struct dkim_key;
struct policy;
struct store;
struct tpl_set;

struct app {
	struct config cfg;
	struct crypto_keys *keys;
	struct store *store;
	struct tpl_set *tpl;
	struct policy *policy; /* the profile in force */
	struct dkim_key *dkim; /* DKIM signing key, or NULL */
	const char *site_name;
	const char *style_version; /* short hash of style.css for cache busting */
};

extern struct app app;

#endif
