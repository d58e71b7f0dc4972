/*
 * dkim: DKIM signatures (RFC 6376) with Ed25519-SHA256 (RFC 8463),
 * relaxed/relaxed canonicalisation, so receivers can tell that mail
 * claiming the site's domain comes from the site. The key is a 32-byte
 * Ed25519 seed, read from a PEM file (`openssl genpkey -algorithm ed25519`)
 * or one holding the seed in base64; `glovebox dkim keygen FILE` writes one
 * and prints the DNS record to publish.
 */
#ifndef GLOVEBOX_DKIM_H
#define GLOVEBOX_DKIM_H

#include <stdint.h>
#include <stdio.h>

#include "buf.h"

struct dkim_key;

/* Loads the key; NULL with a message in err. */
struct dkim_key *dkim_key_load(const char *path, char *err, size_t errlen);
void dkim_key_free(struct dkim_key *k);

/* Prepends a DKIM-Signature header to msg (CRLF headers and body) for
 * domain d= and selector s=, signing the headers present among From, To,
 * Subject, Date, Message-ID, MIME-Version, Content-Type,
 * List-Unsubscribe, List-Unsubscribe-Post (of one present twice, the
 * bottom-most, as a verifier reads it). 0, or -1 (msg unchanged). */
int dkim_sign(const struct dkim_key *k, const char *domain, const char *selector, int64_t now,
	      struct buf *msg);

/* "v=DKIM1; k=ed25519; p=..." for the key's public half. */
void dkim_dns_record(const struct dkim_key *k, struct buf *out);

/* glovebox dkim keygen FILE: a new key (0600, never overwriting) and its record. */
int dkim_keygen(const char *path, const char *selector, const char *domain, FILE *out);

#endif
