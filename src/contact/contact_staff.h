/*
 * contact_staff: the support desk. Staff whose role has the purpose of the
 * contact collection point (answering_messages) list the messages, open
 * one (through the broker, so the opening is in the access log) and answer
 * it; the answer goes to the return address, which serves nothing else
 * (NAM07, NAM15, INS03), and the retention pass erases sender, message and
 * answer once the profile's time after the answer has passed.
 */
#ifndef GLOVEBOX_CONTACT_STAFF_H
#define GLOVEBOX_CONTACT_STAFF_H

#include "http.h"

void contact_staff_api_list(struct req *r);
void contact_staff_api_get(struct req *r);
void contact_staff_api_answer(struct req *r);

void contact_staff_list_page(struct req *r);
void contact_staff_message_page(struct req *r);
void contact_staff_answer_post(struct req *r);

#endif
