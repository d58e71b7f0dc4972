/*
 * thread_role: what the calling thread is doing, for the work that must
 * never run on an HTTP event loop. Hashing or checking a password takes
 * tens of milliseconds; on an event loop it stalls every connection that
 * loop serves, so such routes are ROUTE_SLOW and run on the workers. The
 * engine marks the span in which an event loop runs a handler, and the
 * password functions log an error when they find themselves inside one:
 * the API tests fail on that line, so a new route that hashes without
 * ROUTE_SLOW is caught by its first test.
 */
#ifndef GLOVEBOX_THREAD_ROLE_H
#define GLOVEBOX_THREAD_ROLE_H

#include <stdbool.h>

/* Called by the engine around a handler it runs on an event loop. */
void thread_role_event_loop_enter(void);
void thread_role_event_loop_leave(void);

/* Whether the calling thread is an event loop running a handler. */
bool thread_role_on_event_loop(void);

#endif
