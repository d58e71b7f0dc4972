/*
 * peers: the open connections of a listener, their client addresses and
 * their head deadlines (peers.h). The list changes under one lock, at
 * connection open and close only; the head's state, which the event loops
 * change once or twice per request, is one atomic word per connection
 * holding the time the head became due and the phase, so a sweep and an
 * event loop agree on it without a lock and a sweep never cuts a head that
 * began again since it looked (the time in the word has moved on).
 */
#include "peers.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "mem.h"

/* The low bits of a peer's head word; the rest is the time (us) the
 * current head phase began. */
enum head_phase {
	HEAD_WAITING = 0, /* the head is not complete yet */
	HEAD_DONE = 1,	  /* a request is being read or answered: no deadline */
	HEAD_CUT = 2,	  /* the deadline passed: answered 408 and shut */
};
#define PHASE_BITS 2u
#define PHASE_MASK ((1u << PHASE_BITS) - 1)

#define V4_MAPPED_PREFIX 12 /* ::ffff:a.b.c.d */
#define V6_NETWORK_BYTES 8  /* a /64 */

struct peer {
	struct peer *prev, *next;
	int fd;
	bool keyed; /* counts against its address */
	unsigned char key[PEERS_KEY_BYTES];
	_Atomic uint64_t head;
};

struct peers {
	pthread_mutex_t lock;
	struct peer *list;
	unsigned per_client;
	uint64_t timeout_us;
	const char *answer;
	size_t answer_len;
};

static uint64_t head_word(uint64_t since_us, enum head_phase phase)
{
	return since_us << PHASE_BITS | phase;
}

static enum head_phase phase_of(uint64_t word)
{
	return (enum head_phase)(word & PHASE_MASK);
}

struct peers *peers_new(unsigned per_client, unsigned head_timeout, const char *answer,
			size_t answer_len)
{
	struct peers *p = xcalloc(1, sizeof(*p));
	pthread_mutex_init(&p->lock, NULL);
	p->per_client = per_client;
	p->timeout_us = (uint64_t)head_timeout * 1000000u;
	p->answer = answer;
	p->answer_len = answer_len;
	return p;
}

void peers_free(struct peers *p)
{
	if (!p)
		return;
	/* Connections the engine never reported closed are let go here. */
	while (p->list) {
		struct peer *c = p->list;
		p->list = c->next;
		free(c);
	}
	pthread_mutex_destroy(&p->lock);
	free(p);
}

bool peers_client_key(const struct sockaddr *sa, unsigned char key[PEERS_KEY_BYTES])
{
	memset(key, 0, PEERS_KEY_BYTES);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		key[10] = key[11] = 0xff;
		memcpy(key + V4_MAPPED_PREFIX, &in->sin_addr, sizeof(in->sin_addr));
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;
		/* An IPv4 client on an IPv6 socket counts as that IPv4 address. */
		bool mapped = IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr);
		memcpy(key, a, mapped ? PEERS_KEY_BYTES : V6_NETWORK_BYTES);
		return true;
	}
	return false;
}

/* Open connections counted under key; the caller holds the lock. */
static unsigned count_locked(const struct peers *p, const unsigned char key[PEERS_KEY_BYTES])
{
	unsigned n = 0;
	for (const struct peer *c = p->list; c; c = c->next)
		if (c->keyed && memcmp(c->key, key, sizeof(c->key)) == 0)
			n++;
	return n;
}

bool peers_admit(struct peers *p, const struct sockaddr *sa)
{
	unsigned char key[PEERS_KEY_BYTES];
	if (!p->per_client || !peers_client_key(sa, key))
		return true;
	pthread_mutex_lock(&p->lock);
	bool room = count_locked(p, key) < p->per_client;
	pthread_mutex_unlock(&p->lock);
	return room;
}

struct peer *peers_open(struct peers *p, const struct sockaddr *sa, int fd, uint64_t now_us)
{
	struct peer *c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->keyed = sa && peers_client_key(sa, c->key);
	atomic_init(&c->head, head_word(now_us, HEAD_WAITING));
	pthread_mutex_lock(&p->lock);
	c->next = p->list;
	if (p->list)
		p->list->prev = c;
	p->list = c;
	pthread_mutex_unlock(&p->lock);
	return c;
}

void peers_close(struct peers *p, struct peer *c)
{
	pthread_mutex_lock(&p->lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		p->list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&p->lock);
	free(c);
}

bool peers_head_done(struct peer *c)
{
	uint64_t w = atomic_load(&c->head);
	for (;;) {
		if (phase_of(w) != HEAD_WAITING)
			return phase_of(w) == HEAD_DONE;
		uint64_t done = (w & ~(uint64_t)PHASE_MASK) | HEAD_DONE;
		if (atomic_compare_exchange_weak(&c->head, &w, done))
			return true;
	}
}

void peers_head_wait(struct peer *c, uint64_t now_us)
{
	uint64_t w = atomic_load(&c->head);
	while (phase_of(w) != HEAD_CUT &&
	       !atomic_compare_exchange_weak(&c->head, &w, head_word(now_us, HEAD_WAITING)))
		;
}

unsigned peers_sweep(struct peers *p, uint64_t now_us)
{
	if (!p->timeout_us)
		return 0;
	unsigned cut = 0;
	pthread_mutex_lock(&p->lock);
	for (struct peer *c = p->list; c; c = c->next) {
		uint64_t w = atomic_load(&c->head), since = w >> PHASE_BITS;
		/* An event loop's clock may have read a moment after ours. */
		if (phase_of(w) != HEAD_WAITING || since >= now_us ||
		    now_us - since < p->timeout_us)
			continue;
		/* Fails if the head completed, or began again, since the load. */
		if (!atomic_compare_exchange_strong(&c->head, &w, head_word(now_us, HEAD_CUT)))
			continue;
		/* The engine writes nothing while a head is incoming, so the
		 * answer is the only writer; a client that reads nothing does
		 * not hold the sweep (MSG_DONTWAIT). The socket stays open
		 * until the engine, seeing it shut, closes the connection. */
		(void)send(c->fd, p->answer, p->answer_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		shutdown(c->fd, SHUT_RDWR);
		cut++;
	}
	pthread_mutex_unlock(&p->lock);
	return cut;
}
