/*
 * mail_msg: building an Internet message (RFC 5322) that no typed value can
 * break. Header values that come from people (names, subjects) are refused
 * when they hold CR, LF or other control characters, and are written as
 * RFC 2047 encoded words unless they are short plain ASCII with nothing a
 * reader would decode (a display name in quotes, its specials escaped);
 * addresses are checked (validate.h) and never encoded. Extra headers are
 * printable ASCII, none named as one mail_build writes, none twice. The body is a text part, or
 * text and HTML as multipart/alternative, each quoted-printable (RFC 2045), so no line is longer
 * than 76 characters and a line with a single dot is safe. Lines end in CRLF. The Message-ID is
 * random and names no one.
 */
#ifndef GLOVEBOX_MAIL_MSG_H
#define GLOVEBOX_MAIL_MSG_H

#include <stddef.h>

#include "buf.h"

#define MAIL_MAX_HEADERS 8

struct mail_header {
	const char *name;  /* e.g. "List-Unsubscribe" */
	const char *value; /* ASCII, no CR/LF: refused otherwise */
};

struct mail {
	const char *from_name, *from_addr;
	const char *to_name, *to_addr; /* to_name may be NULL */
	const char *subject;
	const char *text;   /* required */
	const char *html;   /* NULL: text only */
	const char *domain; /* for the Message-ID: the sender's domain */
	struct mail_header extra[MAIL_MAX_HEADERS];
	size_t nextra;
};

/*
 * Writes the message into out and its Message-ID ("<...@domain>") into
 * message_id. Returns NULL, or what is wrong ("the subject holds a line
 * break") without writing anything usable.
 */
const char *mail_build(const struct mail *m, struct buf *out, char *message_id, size_t idlen);

/* RFC 2047 "encoded word" form of text (B encoding, UTF-8), folded so that
 * no line passes 76 characters; plain ASCII text of at most 76 characters
 * with no "=?" in it is written as it is. Appends to out. */
void mail_encode_words(struct buf *out, const char *text);

/* Quoted-printable (RFC 2045 6.7) of text with CRLF line ends. */
void mail_quoted_printable(struct buf *out, const char *text);

#endif
