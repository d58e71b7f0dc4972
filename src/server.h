/*
 * server: the `serve` command's main loop.
 */
#ifndef GLOVEBOX_SERVER_H
#define GLOVEBOX_SERVER_H

/* Returns the process exit code. */
int server_run(void);

#endif
