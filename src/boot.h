/*
 * boot: opening the process-wide context (app.h) for the server and the
 * commands, and closing it: configuration, the profile, the master key,
 * the DKIM key and the store.
 */
#ifndef GLOVEBOX_BOOT_H
#define GLOVEBOX_BOOT_H

#include "app.h"

enum boot_open_flags {
	APP_MIGRATE = 1 << 0,	/* apply pending migrations, and re-key an old access log */
	APP_PROFILE = 1 << 1,	/* load and check the profile; refuse a bad one */
	APP_OLD_CHAIN = 1 << 2, /* with APP_MIGRATE: leave an old access log as it is */
};

/* Opens keys and store (and what flags ask for) for commands that need
 * them. Prints errors to stderr. 0 or -1. */
int boot_open(unsigned flags);
void boot_close(void);

#endif
