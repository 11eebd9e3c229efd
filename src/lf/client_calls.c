/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The endpoints of the LF client: how each request is built (lf.md §3.2) and how its 200 answer
 * is read, plus the asynchronous and blocking entry points over the machine in client.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lf/client_impl.h"

/* ---------------------------------------------------------------- building calls */

static void call_init(struct lf_call *call, enum zt_lf_op op, bool post, const char *path)
{
	memset(call, 0, sizeof *call);
	call->op = op;
	call->post = post;
	snprintf(call->path, sizeof call->path, "%s", path);
}

static zt_err take_body(struct lf_call *call, struct zt_lf_str *s, zt_err err)
{
	if (err != ZT_OK) {
		zt_lf_str_free(s);
		return err;
	}
	call->json = true;
	if (!(call->body = zt_lf_str_take(s, &call->body_len)))
		return -ENOMEM;
	return ZT_OK;
}

static zt_err build_query(struct lf_call *call, const struct zt_lf_query *q)
{
	struct zt_lf_str s = { 0 };
	call_init(call, ZT_LF_OP_QUERY, true, "/query");
	return take_body(call, &s, zt_lfapi_query_write(&s, q));
}

static zt_err build_make(struct lf_call *call, const struct zt_lf_make_request *m)
{
	struct zt_lf_str s = { 0 };
	call_init(call, ZT_LF_OP_MAKERECORD, true, "/makerecord");
	return take_body(call, &s, zt_lfapi_make_write(&s, m));
}

static zt_err build_post(struct lf_call *call, const uint8_t *record, size_t len)
{
	call_init(call, ZT_LF_OP_POST, true, "/post");
	if (len == 0 || len > ZT_LF_RECORD_MAX_SIZE)
		return ZT_EINVALID;
	if (!(call->body = malloc(len)))
		return -ENOMEM;
	memcpy(call->body, record, len);
	call->body_len = len;
	return ZT_OK;
}

static zt_err build_record(struct lf_call *call, const uint8_t hash[static ZT_LF_HASH_SIZE], bool raw)
{
	char text[ZT_LF_HASH_TEXT_MAX], path[LF_PATH_MAX];
	memset(call, 0, sizeof *call);
	zt_err err = zt_lf_hash_text(text, hash);
	if (err != ZT_OK)
		return err;
	snprintf(path, sizeof path, "%s%s", raw ? "/record/raw/" : "/record/", text);
	call_init(call, raw ? ZT_LF_OP_RECORD_RAW : ZT_LF_OP_RECORD, false, path);
	memcpy(call->hash, hash, ZT_LF_HASH_SIZE);
	return ZT_OK;
}

static zt_err build_links(struct lf_call *call, unsigned count)
{
	char path[LF_PATH_MAX];
	memset(call, 0, sizeof *call);
	if (count < 1 || count > ZT_LF_RECORD_MAX_LINKS)
		return ZT_EINVALID;
	snprintf(path, sizeof path, "/links?count=%u", count);
	call_init(call, ZT_LF_OP_LINKS, false, path);
	return ZT_OK;
}

static zt_err build_owner(struct lf_call *call, const struct zt_lf_owner_id *owner)
{
	char text[ZT_LF_OWNER_TEXT_MAX_LEN], path[LF_PATH_MAX];
	memset(call, 0, sizeof *call);
	if (owner->len == 0 || owner->len > sizeof owner->pub)
		return ZT_EINVALID;
	zt_err err = zt_lf_owner_text(text, sizeof text, owner->pub, owner->len);
	if (err != ZT_OK)
		return err;
	snprintf(path, sizeof path, "/owner/%s", text);
	call_init(call, ZT_LF_OP_OWNER, false, path);
	return ZT_OK;
}

/* ---------------------------------------------------------------- reading answers */

static void reply_bad(struct zt_lf_request *q, struct zt_lf_result *res, zt_err err, const char *why)
{
	lf_error_set(q, &res->error, err, ZT_LF_FAIL_REPLY, "bad answer from the LF node: %s", why);
}

/* The binary record of /record/raw must parse and hash to what was asked for. */
static void reply_raw_record(struct zt_lf_request *q, struct zt_lf_result *res)
{
	struct zt_lf_record_hashes h;
	size_t used;
	zt_err err = zt_lf_record_parse(&res->record, (const uint8_t *)q->resp, q->resp_len, &used);
	if (err != ZT_OK) {
		reply_bad(q, res, err, zt_lf_record_parse_reason(err, q->resp_len));
		return;
	}
	if ((err = zt_lf_record_hashes(&res->record, &h)) != ZT_OK) {
		reply_bad(q, res, err, "the record cannot be hashed");
		return;
	}
	memcpy(res->hash, h.hash, ZT_LF_HASH_SIZE);
}

/*
 * /post answers the record as JSON. The node has accepted it by then, so an answer we cannot read
 * is not a failure: the caller gets the record it posted instead.
 */
static void reply_post(struct zt_lf_request *q, struct zt_lf_result *res, const json_t *doc)
{
	struct zt_lf_record_hashes h;
	size_t used;
	if (doc && zt_lfapi_record_parse(doc, &res->record, res->hash, NULL, 0) == ZT_OK)
		return;
	if (zt_lf_record_parse(&res->record, (const uint8_t *)q->body, q->call.body_len, &used) == ZT_OK &&
	    zt_lf_record_hashes(&res->record, &h) == ZT_OK)
		memcpy(res->hash, h.hash, ZT_LF_HASH_SIZE);
	else
		zt_lf_record_clear(&res->record);
}

void lf_reply_parse(struct zt_lf_request *q, struct zt_lf_result *res)
{
	char why[ZT_LF_WHY_MAX] = "";
	json_error_t jerr;
	json_t *doc = NULL;
	zt_err err = ZT_OK;
	enum zt_lf_op op = q->call.op;

	if (op == ZT_LF_OP_LINKS) {
		if ((err = zt_lfapi_links_parse((const uint8_t *)q->resp, q->resp_len, &res->links, &res->nlinks)) !=
		    ZT_OK)
			reply_bad(q, res, err, "the link list is not a multiple of 32 bytes");
		return;
	}
	if (op == ZT_LF_OP_RECORD_RAW) {
		reply_raw_record(q, res);
		goto check_hash;
	}

	doc = zt_lf_json_loads(q->resp ? q->resp : "", q->resp_len, &jerr);
	if (!doc && op != ZT_LF_OP_POST) {
		char msg[ZT_LF_WHY_MAX + 64];
		snprintf(msg, sizeof msg, "not JSON (line %d, column %d: %s)", jerr.line, jerr.column, jerr.text);
		reply_bad(q, res, ZT_EMALFORMED, msg);
		return;
	}
	switch (op) {
	case ZT_LF_OP_STATUS:
		err = zt_lfapi_status_parse(doc, &res->status, why, sizeof why);
		break;
	case ZT_LF_OP_QUERY:
		if ((err = zt_lfapi_query_result_parse(doc, &res->query, why, sizeof why)) == ZT_OK)
			zt_lf_query_result_sort(&res->query);
		break;
	case ZT_LF_OP_POST:
		reply_post(q, res, doc);
		break;
	case ZT_LF_OP_MAKERECORD:
		err = zt_lfapi_make_result_parse(doc, &res->make, why, sizeof why);
		break;
	case ZT_LF_OP_RECORD:
		err = zt_lfapi_record_parse(doc, &res->record, res->hash, why, sizeof why);
		break;
	case ZT_LF_OP_OWNER:
		err = zt_lfapi_owner_status_parse(doc, &res->owner, why, sizeof why);
		break;
	case ZT_LF_OP_RECORD_RAW:
	case ZT_LF_OP_LINKS:
		break;
	}
	json_decref(doc);
	if (err != ZT_OK) {
		reply_bad(q, res, err, why[0] ? why : zt_strerror(err));
		return;
	}
check_hash:
	if ((op == ZT_LF_OP_RECORD || op == ZT_LF_OP_RECORD_RAW) && res->error.err == ZT_OK &&
	    memcmp(res->hash, q->call.hash, ZT_LF_HASH_SIZE)) {
		zt_lf_record_clear(&res->record);
		memset(res->hash, 0, sizeof res->hash);
		reply_bad(q, res, ZT_EAUTH, "the record does not hash to the hash asked for");
	}
}

/* ---------------------------------------------------------------- asynchronous entry points */

static zt_err submit(struct zt_lf_client *c, struct lf_call *call, zt_err built, zt_lf_done_fn done, void *arg,
		     struct zt_lf_request **req)
{
	if (req)
		*req = NULL;
	if (built != ZT_OK) {
		free(call->body);
		return built;
	}
	if (!done)
		return (free(call->body), ZT_EINVALID);
	return lf_submit(c, &c->async, call, done, arg, req);
}

zt_err zt_lf_submit_status(struct zt_lf_client *c, zt_lf_done_fn done, void *arg, struct zt_lf_request **req)
{
	struct lf_call call;
	call_init(&call, ZT_LF_OP_STATUS, false, "/status");
	return submit(c, &call, ZT_OK, done, arg, req);
}

zt_err zt_lf_submit_query(struct zt_lf_client *c, const struct zt_lf_query *q, zt_lf_done_fn done, void *arg,
			  struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_query(&call, q);
	return submit(c, &call, err, done, arg, req);
}

zt_err zt_lf_submit_post(struct zt_lf_client *c, const uint8_t *record, size_t len, zt_lf_done_fn done, void *arg,
			 struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_post(&call, record, len);
	return submit(c, &call, err, done, arg, req);
}

zt_err zt_lf_submit_makerecord(struct zt_lf_client *c, const struct zt_lf_make_request *m, zt_lf_done_fn done,
			       void *arg, struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_make(&call, m);
	return submit(c, &call, err, done, arg, req);
}

zt_err zt_lf_submit_record(struct zt_lf_client *c, const uint8_t hash[static ZT_LF_HASH_SIZE], bool raw,
			   zt_lf_done_fn done, void *arg, struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_record(&call, hash, raw);
	return submit(c, &call, err, done, arg, req);
}

zt_err zt_lf_submit_links(struct zt_lf_client *c, unsigned count, zt_lf_done_fn done, void *arg,
			  struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_links(&call, count);
	return submit(c, &call, err, done, arg, req);
}

zt_err zt_lf_submit_owner(struct zt_lf_client *c, const struct zt_lf_owner_id *owner, zt_lf_done_fn done,
			  void *arg, struct zt_lf_request **req)
{
	struct lf_call call;
	zt_err err = build_owner(&call, owner);
	return submit(c, &call, err, done, arg, req);
}

/* ---------------------------------------------------------------- blocking entry points */

/* Runs a built call; copies the error out; the caller moves its member out of *res on success. */
static zt_err run(struct zt_lf_client *c, struct lf_call *call, zt_err built, struct zt_lf_result *res,
		  struct zt_lf_error *e)
{
	zt_err err;
	memset(res, 0, sizeof *res);
	if (built != ZT_OK) {
		free(call->body);
		res->error.err = built;
		res->error.kind = ZT_LF_FAIL_LOCAL;
		snprintf(res->error.message, sizeof res->error.message, "%s: invalid request: %s", call->path,
			 zt_strerror(built));
		err = built;
	} else {
		err = lf_run(c, call, res);
	}
	if (e)
		*e = res->error;
	return err;
}

#define TAKE(dst, src) do { *(dst) = (src); memset(&(src), 0, sizeof(src)); } while (0)

zt_err zt_lf_client_status(struct zt_lf_client *c, struct zt_lf_status *out, struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	memset(out, 0, sizeof *out);
	call_init(&call, ZT_LF_OP_STATUS, false, "/status");
	zt_err err = run(c, &call, ZT_OK, &res, e);
	if (err == ZT_OK)
		TAKE(out, res.status);
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_query(struct zt_lf_client *c, const struct zt_lf_query *q, struct zt_lf_query_result *out,
			  struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	memset(out, 0, sizeof *out);
	zt_err err = build_query(&call, q);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK)
		TAKE(out, res.query);
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_post(struct zt_lf_client *c, const uint8_t *record, size_t len, struct zt_lf_record *echo,
			 struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	if (echo)
		memset(echo, 0, sizeof *echo);
	zt_err err = build_post(&call, record, len);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK && echo)
		TAKE(echo, res.record);
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_makerecord(struct zt_lf_client *c, const struct zt_lf_make_request *m,
			       struct zt_lf_make_result *out, struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	memset(out, 0, sizeof *out);
	zt_err err = build_make(&call, m);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK)
		TAKE(out, res.make);
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_record(struct zt_lf_client *c, const uint8_t hash[static ZT_LF_HASH_SIZE], bool raw,
			   struct zt_lf_record *out, struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	memset(out, 0, sizeof *out);
	zt_err err = build_record(&call, hash, raw);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK)
		TAKE(out, res.record);
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_links(struct zt_lf_client *c, unsigned count, uint8_t (**links)[ZT_LF_HASH_SIZE],
			  size_t *nlinks, struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	*links = NULL;
	*nlinks = 0;
	zt_err err = build_links(&call, count);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK) {
		*links = res.links;
		*nlinks = res.nlinks;
		res.links = NULL;
		res.nlinks = 0;
	}
	zt_lf_result_free(&res);
	return err;
}

zt_err zt_lf_client_owner(struct zt_lf_client *c, const struct zt_lf_owner_id *owner,
			  struct zt_lf_owner_status *out, struct zt_lf_error *e)
{
	struct lf_call call;
	struct zt_lf_result res;
	memset(out, 0, sizeof *out);
	zt_err err = build_owner(&call, owner);
	err = run(c, &call, err, &res, e);
	if (err == ZT_OK)
		TAKE(out, res.owner);
	zt_lf_result_free(&res);
	return err;
}
