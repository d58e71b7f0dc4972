/*
 * peers: what the clients of one listener may hold. It keeps the open
 * connections and
 *
 * - refuses a new connection when its client address has per_client open
 *   already (an IPv6 address counts by its /64, which one household, or
 *   one attacker, holds whole);
 * - gives every request head a total deadline: a connection that has not
 *   sent a whole head (request line and headers) within head_timeout
 *   seconds of opening, or of its previous answer, is sent a fixed answer
 *   (http.c's 408) and shut. The HTTP engine's own timeout counts only
 *   idle gaps, so a client sending a byte every few seconds would hold the
 *   connection for ever.
 *
 * It knows no HTTP engine: http.c calls it from the engine's callbacks, and
 * a ticker calls peers_sweep. Counting is a walk over the open connections
 * of the listener (at most max-connections) once per accepted connection.
 */
#ifndef GLOVEBOX_PEERS_H
#define GLOVEBOX_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct peers;
struct peer; /* one open connection */

/* A client address as counted: IPv6-sized. */
#define PEERS_KEY_BYTES 16

/* per_client 0: no cap; head_timeout 0: no deadline. answer (answer_len
 * bytes) is what a late head is sent; it is kept, not copied, and must
 * outlive the peers. */
struct peers *peers_new(unsigned per_client, unsigned head_timeout, const char *answer,
			size_t answer_len);
/* Once every connection is closed. NULL is allowed. */
void peers_free(struct peers *p);

/* Whether a connection from sa may open (false: close it unanswered). */
bool peers_admit(struct peers *p, const struct sockaddr *sa);

/* A connection opened on socket fd: counted against its address, its
 * first head due head_timeout seconds from now_us (http_now_us). The
 * handle lives until peers_close. */
struct peer *peers_open(struct peers *p, const struct sockaddr *sa, int fd, uint64_t now_us);
/* The connection is closing: forgotten before its socket is closed, so the
 * sweep never touches a socket number used again. */
void peers_close(struct peers *p, struct peer *c);

/* The connection's head is complete. false when the deadline cut it
 * already: the caller drops the request. */
bool peers_head_done(struct peer *c);
/* The answer is sent; the next request's head is due head_timeout seconds
 * from now_us. */
void peers_head_wait(struct peer *c, uint64_t now_us);

/* Sends the answer to every connection whose head is late and shuts it
 * (the engine then sees it closed); returns how many. */
unsigned peers_sweep(struct peers *p, uint64_t now_us);

/* The address a connection counts under: IPv4 as IPv4-mapped IPv6, IPv6
 * cut to its /64. false for a family with no cap (none but IP here). */
bool peers_client_key(const struct sockaddr *sa, unsigned char key[PEERS_KEY_BYTES]);

#endif
