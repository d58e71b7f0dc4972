/*
 * contact: the public contact form and the support desk that answers it
 * (NAM07, NAM15, INS03), as domain logic that knows nothing of HTTP
 * (contact_api.c and contact_page.c are its JSON and HTML adapters).
 *
 * Each message's sender is a data subject of its own: the profile's
 * collection point "contact" names the subject kind, the purpose and the
 * categories. The return address, topic, text and answer are kept through
 * the record layer (records.c declares contact_messages), so erasure,
 * export and retention come from the declaration: the retention pass
 * erases the sender once the profile's time after the answer has passed,
 * and a message written by a signed-in member belongs to that member and
 * goes when the account is closed.
 *
 * The desk is for staff whose role has the contact point's purpose (the
 * route table's gate checks it): listing shows no personal field; opening
 * a message goes through the broker as that staff member, so it is in the
 * access log; a message is answered once, and the answer goes to the
 * return address, which serves nothing else.
 *
 * Every function returns 0, or -1 with *f (err.h) saying why.
 */
#ifndef GLOVEBOX_CONTACT_H
#define GLOVEBOX_CONTACT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "record.h"

struct broker_actor;

/* The most messages one listing shows. */
#define CONTACT_LIST_MAX 200

/* The purpose the profile's contact collection point serves
 * ("answering_messages"), or NULL when the profile takes no messages. */
const char *contact_purpose(void);

struct contact_new {
	const char *email, *topic, *message;
	int64_t owner; /* the signed-in member who wrote it, or 0 */
};

/* Stores one message under a new sender subject (owned by in->owner when
 * not 0); *id gets its id. ERR_NO_CONTACT, ERR_REFUSED, ERR_STORE. */
int contact_create(const struct contact_new *in, int64_t *id, struct failure *f);

enum contact_listing {
	CONTACT_WAITING, /* not answered yet, oldest first */
	CONTACT_ALL,	 /* every message, newest first */
};

/* The messages as [{id, created_at, answered_at}] (answered_at null while
 * waiting), at most CONTACT_LIST_MAX, without any personal field: listing
 * opens nothing. ERR_NO_CONTACT, ERR_STORE. */
int contact_list(enum contact_listing which, json_t **list, struct failure *f);

/* The sealed parts of a message, in the order of contact_message.text. */
enum contact_part { CONTACT_EMAIL, CONTACT_TOPIC, CONTACT_BODY, CONTACT_ANSWER, CONTACT_NPARTS };

struct contact_message {
	int64_t id, created_at;
	int64_t answered_at;			 /* 0 while waiting */
	struct record_text text[CONTACT_NPARTS]; /* .p NULL when empty (no answer yet) */
};

/*
 * Opens a message as actor (a staff member, through session_actor): the
 * broker decides and logs the access for the sender (NAM11).
 * ERR_NO_CONTACT, ERR_NO_SUCH_MESSAGE, ERR_REFUSED (the reason's code),
 * ERR_ERASED (the sender's key is gone), ERR_STORE. Release with
 * contact_message_release().
 */
int contact_open(int64_t id, const struct broker_actor *actor, struct contact_message *m,
		 struct failure *f);
/* Wipes and frees the opened parts. */
void contact_message_release(struct contact_message *m);

/*
 * Answers a message as actor, once: in one transaction the answer is
 * sealed with the message, answered_at set (which starts the retention
 * clock) and the answer queued to the return address only. *answered_at
 * gets the time. ERR_NO_CONTACT, ERR_NO_SUCH_MESSAGE, ERR_ALREADY_ANSWERED,
 * ERR_REFUSED, ERR_ERASED, ERR_STORE.
 */
int contact_answer(int64_t id, const struct broker_actor *actor, const char *answer,
		   int64_t *answered_at, struct failure *f);

#endif
