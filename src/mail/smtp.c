/*
 * smtp: libcurl's SMTP for the outbox (see smtp.h).
 */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

struct smtp {
	CURL *curl;
	char *url, *user, *password;
};

struct upload {
	const char *p;
	size_t left;
};

static size_t read_cb(char *out, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	size_t want = size * n, take = want < u->left ? want : u->left;
	memcpy(out, u->p, take);
	u->p += take;
	u->left -= take;
	return take;
}

int smtp_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

struct smtp *smtp_new(const char *url, const char *user, const char *password)
{
	struct smtp *s = xcalloc(1, sizeof(*s));
	s->curl = curl_easy_init();
	if (!s->curl) {
		free(s);
		return NULL;
	}
	s->url = xstrdup(url);
	s->user = xstrdup(user ? user : "");
	s->password = xstrdup(password ? password : "");
	return s;
}

void smtp_free(struct smtp *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->curl);
	free(s->url);
	free(s->user);
	memset(s->password, 0, strlen(s->password));
	free(s->password);
	free(s);
}

enum smtp_result smtp_send(struct smtp *s, const char *from, const char *to, const char *message,
			   size_t len, char *err, size_t errlen)
{
	CURL *c = s->curl;
	struct upload u = {message, len};
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	char addr[320];
	snprintf(addr, sizeof(addr), "<%s>", from);
	/* The same handle each time: libcurl keeps the connection open. */
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (*s->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
	}
	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(rcpt);
	if (rc == CURLE_OK)
		return SMTP_SENT;
	snprintf(err, errlen, "%s (relay said %ld)", curl_easy_strerror(rc), code);
	return code >= 500 && code < 600 ? SMTP_REFUSED : SMTP_RETRY;
}
