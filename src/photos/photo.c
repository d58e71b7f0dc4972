/*
 * photo: members' photos (photo.h). The photos row holds what a listing
 * needs and the file's key, sealed through the record layer; the file under
 * DATA/photos holds the re-encoded JPEG, encrypted (crypto_blob_*). A file
 * is written before its row and removed after it, so a row never names a
 * missing file but when the disk itself failed.
 */
#include "photo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "broker.h"
#include "crypto.h"
#include "err.h"
#include "image.h"
#include "log.h"
#include "mem.h"
#include "policy.h"
#include "record.h"
#include "store.h"

#define TABLE		"photos"
#define PHOTO_MEGAPIXEL 1000000L
#define CAT_CONTENT	"submitted_content"
/* A photo file's path: the data directory, "/photos/", an id. The folder's
 * path is kept shorter by the rest. */
#define PHOTO_DIR_MAX  4000
#define PHOTO_PATH_MAX (PHOTO_DIR_MAX + PHOTO_ID_CHARS + 2)
/* base64 of a file key, with its NUL. */
#define KEY_TEXT_MAX 64

#define SQL_BY_FILE "SELECT id, member_id, content_type, published_at FROM photos WHERE file = $1"
#define SQL_LIST                                                                                   \
	"SELECT file, content_type, width, height, bytes, created_at, published_at FROM photos "   \
	"WHERE member_id = $1 ORDER BY created_at DESC, id"
#define SQL_EXPORT                                                                                 \
	"SELECT id, file, content_type, width, height, bytes, created_at, published_at FROM "      \
	"photos WHERE member_id = $1 ORDER BY created_at, id"
#define SQL_FILES     "SELECT file FROM photos WHERE member_id = $1"
#define SQL_OWNED     "SELECT id FROM photos WHERE file = $1 AND member_id = $2"
#define SQL_PUBLISH   "UPDATE photos SET published_at = $1 WHERE file = $2 AND member_id = $3"
#define SQL_UNPUBLISH "UPDATE photos SET published_at = NULL WHERE file = $1 AND member_id = $2"
#define SQL_DELETE    "DELETE FROM photos WHERE file = $1 AND member_id = $2"

static char photos_dir[PHOTO_DIR_MAX];

/* The profile's purpose for content members submit to be published. */
static const char *content_purpose(void)
{
	const struct policy *p = app.policy;
	int cat = policy_category_index(p, CAT_CONTENT);
	int member = policy_subject_index(p, "member");
	if (cat < 0 || member < 0)
		return NULL;
	for (size_t i = 0; i < p->npurposes; i++) {
		const struct policy_purpose *pu = &p->purposes[i];
		bool for_members = false;
		for (size_t j = 0; j < pu->nsubjects; j++)
			for_members = for_members || pu->subjects[j] == member;
		if (pu->kind == PK_PUBLIC_CONTENT && for_members && policy_purpose_covers(pu, cat))
			return pu->id;
	}
	return NULL;
}

bool photo_offered(void)
{
	return content_purpose() != NULL;
}

const char *photo_collection(void)
{
	const struct policy *p = app.policy;
	const char *purpose = content_purpose();
	for (size_t i = 0; purpose && i < p->ncollections; i++)
		if (strcmp(p->purposes[p->collections[i].purpose].id, purpose) == 0)
			return p->collections[i].id;
	return NULL;
}

int photo_init(void)
{
	int n = snprintf(photos_dir, sizeof(photos_dir), "%s/photos", app.cfg.data_dir);
	if (n < 0 || (size_t)n >= sizeof(photos_dir)) {
		log_error("photo: the data directory's path is too long");
		return -1;
	}
	if (mkdir(photos_dir, 0700) != 0 && errno != EEXIST) {
		log_error("photo: cannot make %s: %s", photos_dir, strerror(errno));
		return -1;
	}
	return image_init(app.cfg.image_threads, app.cfg.image_cache_mb);
}

void photo_shutdown(void)
{
	image_shutdown();
}

/* An id as the store may hold it: a token's characters, exactly. */
static bool id_ok(const char *id)
{
	size_t n = 0;
	for (; id[n]; n++) {
		char ch = id[n];
		bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
		if (!ok)
			return false;
	}
	return n == PHOTO_ID_CHARS;
}

static void path_of(const char *id, char path[PHOTO_PATH_MAX])
{
	snprintf(path, PHOTO_PATH_MAX, "%s/%s", photos_dir, id);
}

json_t *photo_info_json(const struct photo_info *pi)
{
	char url[PHOTO_ID_CHARS + 16];
	snprintf(url, sizeof(url), "/photos/%s", pi->id);
	return json_pack("{s:s,s:s,s:s,s:i,s:i,s:I,s:I,s:b}", "id", pi->id, "url", url,
			 "content_type", pi->content_type, "width", (int)pi->width, "height",
			 (int)pi->height, "bytes", (json_int_t)pi->bytes, "created_at",
			 (json_int_t)pi->created_at, "published", pi->published);
}

/* Opens the owner's data for the content purpose, as the owner: a
 * member's own photo, or one they published (showing what its owner
 * published is doing what they asked). */
static int open_owner(struct store_conn *c, int64_t owner, const char *action,
		      struct broker_grant **g, struct failure *f)
{
	const char *purpose = content_purpose();
	if (!purpose)
		return err_fail(f, ERR_NO_SUCH_PHOTO);
	static const char *const cats[] = {CAT_CONTENT};
	struct broker_actor self = {ACTOR_SELF, owner, NULL, NULL};
	struct broker_use use = {&self, owner, purpose, cats, ARRAY_LEN(cats), action};
	enum decision_reason why;
	if (broker_open(c, &use, g, &why) == 0)
		return 0;
	return broker_failure(c, owner, why, f);
}

/* Writes the encrypted file whole, or nothing. */
static int file_write(const char *id, const unsigned char *data, size_t len)
{
	char path[PHOTO_PATH_MAX];
	path_of(id, path);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_error("photo: cannot create a photo file: %s", strerror(errno));
		return -1;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	bool ok = done == len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok) {
		log_error("photo: cannot write a photo file: %s", strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

static void file_remove(const char *id)
{
	char path[PHOTO_PATH_MAX];
	path_of(id, path);
	if (unlink(path) != 0 && errno != ENOENT)
		log_error("photo: cannot remove a photo file: %s", strerror(errno));
}

int photo_upload(int64_t member, const void *data, size_t len, struct photo_info *out,
		 struct failure *f)
{
	if (!photo_offered())
		return err_fail(f, ERR_NOT_FOUND);
	struct image_limits lim = {app.cfg.photo_max_megapixels * PHOTO_MEGAPIXEL,
				   app.cfg.photo_max_side, app.cfg.photo_quality};
	struct image_out img;
	if (image_reencode(data, len, &lim, &img, f) != 0)
		return -1;
	*out = (struct photo_info){.content_type = img.content_type,
				   .width = img.width,
				   .height = img.height,
				   .bytes = img.len,
				   .created_at = (int64_t)time(NULL)};
	unsigned char hash[TOKEN_HASH_BYTES];
	token_new(out->id, hash); /* only the token: the id is not a secret to check */
	unsigned char *key = crypto_secret_alloc(CRYPTO_BLOB_KEY_BYTES);
	crypto_random(key, CRYPTO_BLOB_KEY_BYTES);
	size_t elen = img.len + CRYPTO_BLOB_OVERHEAD;
	unsigned char *enc = xmalloc(elen);
	crypto_blob_encrypt(key, out->id, img.data, img.len, enc);
	image_out_release(&img);
	char *key_text = crypto_secret_alloc(KEY_TEXT_MAX);
	crypto_base64(key, CRYPTO_BLOB_KEY_BYTES, key_text, KEY_TEXT_MAX);
	crypto_secret_free(key);
	int rc = file_write(out->id, enc, elen);
	free(enc);
	if (rc != 0) {
		crypto_secret_free(key_text);
		return err_fail(f, ERR_STORE);
	}
	struct store_conn *c = store_acquire(app.store);
	struct broker_grant *g = NULL;
	struct record_field fields[] = {
		{"file", SV_TEXT(out->id)},
		{"file_key", SV_TEXT(key_text)},
		{"content_type", SV_TEXT(out->content_type)},
		{"width", SV_INT(out->width)},
		{"height", SV_INT(out->height)},
		{"bytes", SV_INT(out->bytes)},
		{"created_at", SV_INT(out->created_at)},
	};
	rc = store_begin(c) == 0 ? 0 : err_fail(f, ERR_STORE);
	if (rc == 0)
		rc = open_owner(c, member, "write", &g, f);
	if (rc == 0 &&
	    (record_insert(c, g, TABLE, crypto_random_id(), fields, ARRAY_LEN(fields)) < 0 ||
	     store_commit(c) != 0))
		rc = err_fail(f, ERR_STORE);
	if (rc != 0)
		store_rollback(c);
	broker_grant_free(g);
	store_release(c);
	crypto_secret_free(key_text);
	if (rc != 0)
		file_remove(out->id);
	return rc;
}

struct found {
	int64_t row, owner, published;
	char content_type[32];
};

static int found_cb(void *ctx, const struct store_row *row)
{
	struct found *fd = ctx;
	fd->row = row->cols[0].i;
	fd->owner = row->cols[1].i;
	snprintf(fd->content_type, sizeof(fd->content_type), "%s", (const char *)row->cols[2].p);
	fd->published = row->cols[3].type == STORE_NULL ? 0 : row->cols[3].i;
	return 0;
}

/* The file's key, opened from the row through the grant. */
static int key_of(struct store_conn *c, const struct broker_grant *g, int64_t row,
		  unsigned char key[CRYPTO_BLOB_KEY_BYTES])
{
	static const char *const cols[] = {"file_key"};
	struct record_text t[1] = {{0}};
	size_t n = 0;
	int rc = record_read(c, g, TABLE, row, cols, ARRAY_LEN(cols), t) == 1 && t[0].p &&
				 crypto_unbase64(t[0].p, t[0].n, key, CRYPTO_BLOB_KEY_BYTES, &n) ==
					 0 &&
				 n == CRYPTO_BLOB_KEY_BYTES
			 ? 0
			 : -1;
	record_texts_release(t, ARRAY_LEN(t));
	return rc;
}

/* Reads and decrypts a file: *data malloc'd. */
static int file_open(const char *id, const unsigned char key[CRYPTO_BLOB_KEY_BYTES],
		     unsigned char **data, size_t *len)
{
	char path[PHOTO_PATH_MAX];
	path_of(id, path);
	FILE *fp = fopen(path, "rbe");
	if (!fp)
		return -1;
	struct stat st;
	int rc = -1;
	unsigned char *enc = NULL;
	if (fstat(fileno(fp), &st) != 0 || st.st_size < CRYPTO_BLOB_OVERHEAD)
		goto out;
	size_t n = (size_t)st.st_size;
	enc = xmalloc(n);
	if (fread(enc, 1, n, fp) != n)
		goto out;
	*data = xmalloc(n - CRYPTO_BLOB_OVERHEAD + 1);
	if (crypto_blob_decrypt(key, id, enc, n, *data) != 0) {
		free(*data);
		*data = NULL;
		goto out;
	}
	*len = n - CRYPTO_BLOB_OVERHEAD;
	rc = 0;
out:
	free(enc);
	fclose(fp);
	return rc;
}

/* The photo's image, for anyone the caller has let see it. */
static int image_of(struct store_conn *c, const char *id, const struct found *fd,
		    unsigned char **data, size_t *len, struct failure *f)
{
	struct broker_grant *g = NULL;
	if (open_owner(c, fd->owner, "read", &g, f) != 0)
		return -1;
	unsigned char *key = crypto_secret_alloc(CRYPTO_BLOB_KEY_BYTES);
	int rc = key_of(c, g, fd->row, key) == 0 && file_open(id, key, data, len) == 0 ? 0 : -1;
	crypto_secret_free(key);
	broker_grant_free(g);
	if (rc != 0) {
		log_error("photo: a stored photo cannot be opened");
		return err_fail(f, ERR_STORE);
	}
	return 0;
}

int photo_get(int64_t viewer, const char *id, unsigned char **data, size_t *len,
	      const char **content_type, struct failure *f)
{
	*data = NULL;
	*len = 0;
	if (!id_ok(id) || !photo_offered())
		return err_fail(f, ERR_NO_SUCH_PHOTO);
	struct store_val key[] = {SV_TEXT(id)};
	struct found fd = {0};
	struct store_conn *c = store_acquire(app.store);
	int rc = store_exec(c, SQL_BY_FILE, key, STORE_NPARAMS(key), found_cb, &fd);
	if (rc < 0)
		rc = err_fail(f, ERR_STORE);
	else if (rc == 0 || (fd.owner != viewer && !fd.published))
		rc = err_fail(f, ERR_NO_SUCH_PHOTO);
	else
		rc = image_of(c, id, &fd, data, len, f);
	store_release(c);
	/* Only what photo_upload wrote is ever served, typed as image.c encoded
	 * it: the one type it writes, whatever a row might say. */
	*content_type = "image/jpeg";
	return rc;
}

static int list_cb(void *ctx, const struct store_row *row)
{
	struct photo_info pi = {.content_type = row->cols[1].p,
				.width = (unsigned)row->cols[2].i,
				.height = (unsigned)row->cols[3].i,
				.bytes = (size_t)row->cols[4].i,
				.created_at = row->cols[5].i,
				.published = row->cols[6].type != STORE_NULL};
	snprintf(pi.id, sizeof(pi.id), "%s", (const char *)row->cols[0].p);
	json_array_append_new(ctx, photo_info_json(&pi));
	return 0;
}

json_t *photo_list(int64_t member)
{
	json_t *list = json_array();
	struct store_val id[] = {SV_INT(member)};
	if (store_query(app.store, SQL_LIST, id, STORE_NPARAMS(id), list_cb, list) < 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

static int int_cb(void *ctx, const struct store_row *row)
{
	*(int64_t *)ctx = row->cols[0].i;
	return 0;
}

bool photo_owned_by(int64_t member, const char *id)
{
	if (!id_ok(id))
		return false;
	int64_t row = 0;
	struct store_val key[] = {SV_TEXT(id), SV_INT(member)};
	return store_query(app.store, SQL_OWNED, key, STORE_NPARAMS(key), int_cb, &row) == 1 &&
	       row != 0;
}

/* Runs a statement on member's photo id: ERR_NO_SUCH_PHOTO when it
 * changes no row. */
static int change(const char *sql, struct store_val *params, size_t n, const char *id,
		  struct failure *f)
{
	if (!id_ok(id) || !photo_offered())
		return err_fail(f, ERR_NO_SUCH_PHOTO);
	int rc = store_query(app.store, sql, params, n, NULL, NULL);
	if (rc < 0)
		return err_fail(f, ERR_STORE);
	return rc == 0 ? err_fail(f, ERR_NO_SUCH_PHOTO) : 0;
}

int photo_publish(int64_t member, const char *id, struct failure *f)
{
	struct store_val p[] = {SV_INT(time(NULL)), SV_TEXT(id), SV_INT(member)};
	return change(SQL_PUBLISH, p, STORE_NPARAMS(p), id, f);
}

int photo_unpublish(int64_t member, const char *id, struct failure *f)
{
	struct store_val p[] = {SV_TEXT(id), SV_INT(member)};
	return change(SQL_UNPUBLISH, p, STORE_NPARAMS(p), id, f);
}

int photo_delete(int64_t member, const char *id, struct failure *f)
{
	struct store_val p[] = {SV_TEXT(id), SV_INT(member)};
	if (change(SQL_DELETE, p, STORE_NPARAMS(p), id, f) != 0)
		return -1;
	file_remove(id);
	return 0;
}

/* ---- export and erasure ---- */

struct export_ctx {
	json_t *list;
	int64_t *rows;
	size_t n, cap;
};

/* Collects the rows; their images are read once the query is done. */
static int export_cb(void *ctx, const struct store_row *row)
{
	struct export_ctx *x = ctx;
	const char *id = row->cols[1].p;
	struct photo_info pi = {.content_type = row->cols[2].p,
				.width = (unsigned)row->cols[3].i,
				.height = (unsigned)row->cols[4].i,
				.bytes = (size_t)row->cols[5].i,
				.created_at = row->cols[6].i,
				.published = row->cols[7].type != STORE_NULL};
	snprintf(pi.id, sizeof(pi.id), "%s", id);
	json_array_append_new(x->list, photo_info_json(&pi));
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 8;
		x->rows = xrealloc(x->rows, x->cap * sizeof(*x->rows));
	}
	x->rows[x->n++] = row->cols[0].i;
	return 0;
}

/* The photo's image as base64, into its export entry. */
static int export_image(struct store_conn *c, const struct broker_grant *g, int64_t row,
			json_t *entry)
{
	const char *id = json_string_value(json_object_get(entry, "id"));
	unsigned char *key = crypto_secret_alloc(CRYPTO_BLOB_KEY_BYTES);
	unsigned char *data = NULL;
	size_t len = 0;
	int rc = key_of(c, g, row, key) == 0 && file_open(id, key, &data, &len) == 0 ? 0 : -1;
	crypto_secret_free(key);
	if (rc != 0)
		return -1;
	size_t n = (len + 2) / 3 * 4 + 1;
	char *text = xmalloc(n);
	crypto_base64(data, len, text, n);
	json_object_set_new(entry, "data", json_string(text));
	free(text);
	free(data);
	return 0;
}

json_t *photo_export(struct store_conn *c, int64_t member)
{
	json_t *list = json_array();
	if (!content_purpose())
		return list; /* no photos without the purpose: none were taken */
	struct broker_grant *g = NULL;
	struct failure f;
	if (open_owner(c, member, "read", &g, &f) != 0) {
		json_decref(list);
		return NULL;
	}
	struct export_ctx x = {list, NULL, 0, 0};
	struct store_val id[] = {SV_INT(member)};
	int rc = store_exec(c, SQL_EXPORT, id, STORE_NPARAMS(id), export_cb, &x);
	for (size_t i = 0; rc >= 0 && i < x.n; i++)
		if (export_image(c, g, x.rows[i], json_array_get(list, i)) != 0)
			rc = -1;
	free(x.rows);
	broker_grant_free(g);
	if (rc < 0) {
		log_error("photo: a photo could not be exported");
		json_decref(list);
		return NULL;
	}
	return list;
}

struct files_ctx {
	struct photo_files *pf;
	size_t cap;
};

static int files_cb(void *ctx, const struct store_row *row)
{
	struct files_ctx *x = ctx;
	if (x->pf->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 8;
		x->pf->names = xrealloc(x->pf->names, x->cap * sizeof(*x->pf->names));
	}
	snprintf(x->pf->names[x->pf->n++], PHOTO_ID_CHARS + 1, "%s", (const char *)row->cols[0].p);
	return 0;
}

int photo_files_of(struct store_conn *c, int64_t member, struct photo_files *out)
{
	*out = (struct photo_files){0};
	struct files_ctx x = {out, 0};
	struct store_val id[] = {SV_INT(member)};
	if (store_exec(c, SQL_FILES, id, STORE_NPARAMS(id), files_cb, &x) < 0) {
		photo_files_remove(out);
		return -1;
	}
	return 0;
}

void photo_files_remove(struct photo_files *pf)
{
	for (size_t i = 0; i < pf->n; i++)
		if (id_ok(pf->names[i]))
			file_remove(pf->names[i]);
	free(pf->names);
	*pf = (struct photo_files){0};
}
