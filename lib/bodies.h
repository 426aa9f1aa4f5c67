/*
 * bodies.h: the request and answer bodies of AI calls, kept beside their
 * ai_log row (table ai_bodies) so that 'igny8 log --show ID' can say what
 * was asked and what came back, as `llm logs` does.
 *
 * A body is stored with every registered secret masked (ig_redact), then
 * cut to log.max_body bytes at a UTF-8 boundary, with its size before the
 * cut; log.bodies: false stores nothing.  The API key travels in a header
 * and is never part of a body: the masking is for a key that a prompt,
 * an input record or a server's echo put into one.
 *
 * Strings passed in are borrowed; nothing here prints but bodies_show().
 */
#ifndef IG_BODIES_H
#define IG_BODIES_H

#include <stdio.h>

#include "compat.h"
#include "config.h"
#include "err.h"
#include "workspace.h"

/*
 * Stores the bodies of call log_id (either may be NULL: not known).  Does
 * nothing when log.bodies is false or both are NULL.  Returns 0, or -1
 * with err set when the row could not be written.
 */
int bodies_keep(struct ws *ws, const struct config *cfg, long log_id,
		const char *request, const char *response, struct ig_err *err);

/*
 * Writes call `id` to out: its ai_log row, then each body, readable (a
 * chat request as its messages, a chat answer as the model's text), or
 * with json set as one "call" record whose "request" and "response" hold
 * the bodies (parsed when they are whole JSON, else strings).  Returns 0,
 * or -1 with err set (IG_ENOINPUT when there is no such call).
 */
int bodies_show(struct ws *ws, FILE *out, long id, int json, struct ig_err *err);

#endif
