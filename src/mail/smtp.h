/*
 * smtp: handing one message to the configured relay (libcurl's SMTP: it
 * upgrades with STARTTLS when the relay offers it, authenticates when a user
 * is configured, and keeps the connection for the next message). smtp.c is
 * the only file that includes libcurl.
 */
#ifndef GLOVEBOX_SMTP_H
#define GLOVEBOX_SMTP_H

#include <stddef.h>

struct smtp;

enum smtp_result {
	SMTP_SENT,
	SMTP_RETRY,   /* the relay is down or said 4xx: try again later */
	SMTP_REFUSED, /* 5xx: the address or message is refused for good */
};

int smtp_global_init(void);
/* A connection to url (smtp://HOST:PORT, smtps://...); user may be empty. */
struct smtp *smtp_new(const char *url, const char *user, const char *password);
void smtp_free(struct smtp *s);
/* Sends message (CRLF lines, headers included) from `from` to `to`; on
 * failure err gets a short reason with the relay's code, no address. */
enum smtp_result smtp_send(struct smtp *s, const char *from, const char *to, const char *message,
			   size_t len, char *err, size_t errlen);

#endif
