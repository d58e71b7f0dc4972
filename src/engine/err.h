/*
 * err: the one table of errors glovebox answers with. Every error a caller
 * can see has a row here: its code (the "code" of the JSON error body), its
 * HTTP status, the sentence shown to people, the field it is about, and
 * whether the answer carries Retry-After (every 503 does, as docs/api.md
 * promises). Feature code returns an enum err, or a struct failure when it
 * needs to say more (a policy refusal's reason, a VIN's problem, how long a
 * lock lasts); the JSON and HTML adapters turn it into the answer, so a
 * feature's domain part knows nothing of HTTP.
 */
#ifndef GLOVEBOX_ERR_H
#define GLOVEBOX_ERR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum err {
	ERR_NONE = 0,
	/* the request itself (http.c) */
	ERR_BAD_JSON,
	ERR_NOT_OBJECT,
	ERR_UNKNOWN_FIELD,
	ERR_MISSING_FIELD,
	ERR_INVALID_FIELD,
	ERR_BAD_FORM,
	ERR_BAD_PATH,
	ERR_NOT_FOUND,
	ERR_METHOD_NOT_ALLOWED,
	ERR_BODY_TOO_LARGE,
	ERR_URI_TOO_LONG,
	ERR_UNSUPPORTED_MEDIA_TYPE,
	ERR_HEADERS_TOO_LARGE,
	ERR_INTERNAL,
	/* the server's state */
	ERR_STORE,
	ERR_BUSY,
	/* who is asking (the gate) */
	ERR_NOT_SIGNED_IN,
	ERR_STAFF_NOT_SIGNED_IN,
	ERR_CSRF,
	ERR_CROSS_SITE,
	ERR_FORM_TOKEN,
	ERR_TOO_MANY_REQUESTS,
	ERR_REAUTH,
	ERR_ROLE,
	ERR_REFUSED, /* the broker said no: code and message from the reason */
	ERR_ERASED,
	/* accounts */
	ERR_NO_REGISTRATION,
	ERR_NOT_ELIGIBLE,
	ERR_EMAIL_TAKEN_SINCE,
	ERR_EMAIL_UNCHANGED,
	ERR_WEAK_PASSWORD,
	ERR_BAD_CREDENTIALS,
	ERR_STAFF_BAD_CREDENTIALS,
	ERR_WRONG_PASSWORD,
	ERR_TOO_MANY_FROM_HERE,
	ERR_ACCOUNT_LOCKED,
	ERR_NO_ACCOUNT,
	ERR_NAME_EMPTY,
	ERR_NO_CHOICE,
	ERR_NO_SESSION,
	ERR_NO_DEVICE,
	ERR_BAD_LINK,
	/* a forgotten password */
	ERR_TOO_MANY_RESETS,
	/* staff */
	ERR_BAD_ENROL_TOKEN,
	ERR_ENROL_NOT_STARTED,
	ERR_BAD_CODE,
	ERR_CODE_USED,
	ERR_NO_SUCH_MEMBER,
	ERR_NO_MEMBER_WITH_EMAIL,
	ERR_NO_SUCH_ROLE,
	ERR_STAFF_EXISTS,
	ERR_NO_SUCH_STAFF,
	ERR_NO_SUCH_STAFF_ID,
	ERR_STAFF_SELF,
	ERR_LAST_ADMIN,
	/* garage */
	ERR_NO_GARAGE,
	ERR_VIN, /* code from the VIN check (vin_length, ...) */
	ERR_VEHICLE_EXISTS,
	ERR_GARAGE_FULL,
	ERR_NO_SUCH_CAR,
	ERR_NO_SUCH_CLAIM,
	ERR_NOT_IN_REVIEW,
	/* contact */
	ERR_NO_CONTACT,
	ERR_NO_SUCH_MESSAGE,
	ERR_ALREADY_ANSWERED,
	/* e-postcards */
	ERR_NO_POSTCARDS,
	ERR_NO_SUCH_CARD,
	ERR_POSTCARD_FROM_NAME,
	ERR_POSTCARD_FROM_EMAIL,
	ERR_POSTCARD_SENDER_LIMIT,
	ERR_NO_SUCH_POSTCARD,
	ERR_POSTCARD_GONE,
	/* information and material requests */
	ERR_NO_REQUESTS,
	ERR_NO_SUCH_ITEM,
	ERR_REQUEST_KIND,
	ERR_REQUEST_ITEM_FIELD, /* field and message from the check */
	ERR_REQUEST_MISSING,	/* field: the one missing */
	ERR_NO_SUCH_REQUEST,
	ERR_REQUEST_DONE,
	/* the shop */
	ERR_NO_SHOP,
	ERR_SHOP_NO_SUCH_ITEM,
	ERR_SHOP_ITEM_FIELD, /* field and message from the check */
	ERR_SHOP_QUANTITY,
	ERR_SHOP_CART_FULL,
	ERR_SHOP_BAD_CART,
	ERR_SHOP_CART_EMPTY,
	ERR_SHOP_MISSING, /* field: the one missing */
	ERR_SHOP_CARD_NUMBER,
	ERR_SHOP_PRICE_CHANGED,
	ERR_SHOP_OUT_OF_STOCK,
	ERR_NO_SUCH_ORDER,
	ERR_SHOP_ORDER_STATE,
	ERR_SHOP_PROCESSOR,
	ERR_SHOP_BAD_SIGNATURE,
	ERR_SHOP_UNKNOWN_SESSION,
	/* mail */
	ERR_INVALID_CAMPAIGN,
	ERR_BAD_UNSUBSCRIBE,
	/* privacy */
	ERR_NO_SUCH_VERSION,
	/* dealers (INS08, INS15) */
	ERR_NO_DEALERS,
	ERR_NO_SUCH_DEALER,
	ERR_DEALER_FIELD, /* field and message from the check */
	ERR_DEALER_EXISTS,
	ERR_DEALER_UNAVAILABLE,
	ERR_DEALER_NOTHING,
	/* visits (docs/visits.md) */
	ERR_BAD_RANGE,
	ERR_NOISE_BUDGET,
	/* members' content (issue 16, docs/content.md) */
	ERR_NO_COMMUNITY,
	ERR_NO_STORIES,
	ERR_NO_SUCH_STORY,
	ERR_NOT_ACCEPTED,
	ERR_STORY_TOO_LONG, /* field and message from the check */
	ERR_STORY_STATE,
	/* photos (issue 16, docs/content.md) */
	ERR_NO_SUCH_PHOTO,
	ERR_PHOTO_TYPE,
	ERR_PHOTO_TOO_LARGE,
	ERR_PHOTO_UNREADABLE,
	ERR_IMAGES_BUSY,
	ERR_COUNT
};

struct err_row {
	const char *code;
	int status;
	const char *message;
	const char *field; /* the field the error is about, or NULL */
	int retry_after;   /* seconds for Retry-After; 0: none */
};

const struct err_row *err_row(enum err e);

/* What a domain function says went wrong: the row, and what it overrides. */
#define FAILURE_MESSAGE_MAX 256
struct failure {
	enum err err;
	const char *code;  /* instead of the row's (ERR_REFUSED, ERR_VIN), or NULL */
	const char *field; /* instead of the row's, or NULL */
	char message[FAILURE_MESSAGE_MAX]; /* instead of the row's, when not empty */
	int64_t retry_after;		   /* instead of the row's, when > 0 */
};

/*
 * Every failure of a form at once: a validator that goes on past the first
 * wrong field adds each to a list (a form shows them all, page.h's
 * page_form_failures; the JSON API answers with the first).
 */
#define FAILURES_MAX 8
struct failures {
	struct failure list[FAILURES_MAX];
	size_t n;
};
/* Adds a copy of f (dropped when the list is full); returns -1. */
int failures_add(struct failures *fs, const struct failure *f);
/* Whether fs already holds a failure about field. */
bool failures_has(const struct failures *fs, const char *field);

/* Sets *f to e and returns -1, so a domain function can `return err_fail(f, ERR_X);`. */
int err_fail(struct failure *f, enum err e);
/* The same with a message of its own (printf-style). */
int err_failf(struct failure *f, enum err e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The answer's parts, with the overrides applied. */
int err_status(const struct failure *f);
const char *err_code(const struct failure *f);
const char *err_message(const struct failure *f);
const char *err_field(const struct failure *f);
int64_t err_retry_after(const struct failure *f);

#endif
