/*
 * photo_api: the JSON adapter of members' photos (photo_api.h). Serving
 * answers only the re-encoded image, typed as it was encoded, never to be
 * sniffed, and named by its id alone.
 */
#include "photo_api.h"

#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "photo.h"
#include "session.h"

void photo_api_upload(struct req *r)
{
	size_t len;
	const unsigned char *data = req_upload(r, &len);
	struct photo_info pi;
	struct failure f;
	if (photo_upload(session_current(r)->account, data, len, &pi, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	char url[PHOTO_ID_CHARS + 16];
	snprintf(url, sizeof(url), "/photos/%s", pi.id);
	resp_header(r, "Location", url);
	resp_json(r, 201, json_pack("{s:o}", "photo", photo_info_json(&pi)));
}

void photo_api_list(struct req *r)
{
	json_t *list = photo_list(session_current(r)->account);
	if (!list) {
		struct failure f;
		err_fail(&f, ERR_STORE);
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:o}", "photos", list));
}

void photo_api_delete(struct req *r)
{
	struct failure f;
	if (photo_delete(session_current(r)->account, r->path_params[0], &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	resp_json(r, 200, json_pack("{s:b}", "deleted", 1));
}

void photo_api_serve(struct req *r)
{
	const char *id = r->path_params[0];
	unsigned char *data;
	size_t len;
	const char *type;
	struct failure f;
	if (photo_get(session_current(r)->account, id, &data, &len, &type, &f) != 0) {
		resp_failure(r, &f);
		return;
	}
	char disposition[PHOTO_ID_CHARS + 48];
	snprintf(disposition, sizeof(disposition), "inline; filename=\"photo-%s.jpg\"", id);
	resp_header(r, "Content-Disposition", disposition);
	/* The owner may unpublish or delete it, or leave: a browser keeps it
	 * for itself only, and asks again each time. */
	resp_header(r, "Cache-Control", "private, no-cache");
	resp_header(r, "Cross-Origin-Resource-Policy", "same-origin");
	resp_body(r, 200, type, data, len);
	free(data);
}
