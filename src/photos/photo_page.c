/*
 * photo_page: the HTML page of photo_page.h.
 */
#include "photo_page.h"

#include <string.h>

#include "err.h"
#include "page.h"
#include "photo.h"
#include "session.h"

static void render(struct req *r, int status)
{
	const struct session *s = session_current(r);
	json_t *photos = photo_list(s->account);
	if (!photos) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	json_t *data = page_form_values(r, page_data(r, "Your photos"));
	json_object_set_new(data, "csrf_token", json_string(s->csrf));
	json_object_set_new(data, "photos", photos);
	const char *collection = photo_collection();
	if (collection)
		page_notice(data, collection);
	const char *done = req_param(r, "done");
	if (done && strcmp(done, "added") == 0)
		json_object_set_new(data, "done", json_string("Your photo is added."));
	r->no_store = true;
	page_render(r, status, "photos", data);
}

void photo_page_show(struct req *r)
{
	render(r, 200);
}

void photo_page_upload(struct req *r)
{
	if (r->nerrors) {
		render(r, 422);
		return;
	}
	size_t len;
	const unsigned char *data = req_upload(r, &len);
	struct photo_info pi;
	struct failure f;
	if (photo_upload(session_current(r)->account, data, len, &pi, &f) != 0) {
		render(r, page_form_failure(r, &f, PHOTO_FIELD));
		return;
	}
	page_redirect(r, "/me/photos?done=added");
}
