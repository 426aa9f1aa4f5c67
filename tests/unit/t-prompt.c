/* t-prompt.c: prompt front matter, placeholder rendering and resolution. */
#include "compat.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"
#include "lang.h"
#include "prompt.h"
#include "fixture.h"
#include "tap.h"

static char srcdir[PATH_MAX], tmp[PATH_MAX];

static void
test_parse(void)
{
	struct ig_err err = { 0 };
	struct prompt *p;

	p = prompt_parse("write",
			 "---\nmodel: m-1\nmax_tokens: 900\ntemperature: 0.25\n"
			 "system: be brief\nschema_name: s1\n"
			 "schema: {type: object, required: [a]}\n---\nBody {x}\n",
			 "a.md", &err);
	ok(p != NULL, "front matter parses: %s", err.msg);
	if (p) {
		is_str(prompt_body(p), "Body {x}\n", "body after the front matter");
		is_str(prompt_model(p), "m-1", "model");
		is_int(prompt_max_tokens(p), 900, "max_tokens");
		ok(prompt_temperature(p) == 0.25, "temperature");
		is_str(prompt_system(p), "be brief", "system");
		is_str(prompt_schema_name(p), "s1", "schema_name");
		is_str(json_str(prompt_schema(p), "type"), "object", "schema");
		is_str(prompt_source(p), "a.md", "source is the name");
	}
	prompt_free(p);

	p = prompt_parse("write", "Just a body.\n---\nnot: front\n", "b.md", &err);
	ok(p != NULL, "no front matter");
	if (p) {
		is_str(prompt_body(p), "Just a body.\n---\nnot: front\n",
		       "all of it is body");
		is_str(prompt_model(p), NULL, "no model");
		is_int(prompt_max_tokens(p), -1, "no max_tokens");
		ok(isnan(prompt_temperature(p)), "no temperature");
		ok(prompt_schema(p) == NULL, "no schema");
		is_str(prompt_schema_name(p), "igny8_answer", "default schema name");
		ok(cJSON_IsObject(prompt_meta(p)) && !prompt_meta(p)->child,
		   "empty meta");
	}
	prompt_free(p);

	p = prompt_parse("write", "---\n---\nB", "c.md", &err);
	is_str(p ? prompt_body(p) : NULL, "B", "empty front matter");
	prompt_free(p);
	p = prompt_parse("write", "---\nmodel: x\n---", "d.md", &err);
	is_str(p ? prompt_body(p) : NULL, "", "front matter only, no body");
	prompt_free(p);

	ig_err_clear(&err);
	p = prompt_parse("write", "---\nmodel: x\nbody without end\n", "e.md", &err);
	ok(!p, "unclosed front matter fails");
	is_int(err.code, IG_EDATA, "as bad data");
	is_str(err.msg, "e.md: front matter has no closing '---'", "message");

	ig_err_clear(&err);
	p = prompt_parse("write", "---\n- a\n- b\n---\nbody\n", "f.md", &err);
	ok(!p, "a list as front matter fails");
	is_str(err.msg, "f.md: front matter is not a mapping", "message");

	ig_err_clear(&err);
	p = prompt_parse("write", "---\njust text\n---\nbody\n", "g.md", &err);
	ok(!p, "a scalar as front matter fails");
	is_str(err.msg, "g.md: front matter is not a mapping", "message");

	ig_err_clear(&err);
	p = prompt_parse("write", "---\na: [1, 2\n---\nbody\n", "h.md", &err);
	ok(!p && err.code == IG_EDATA && !strncmp(err.msg, "h.md:", 5),
	   "YAML syntax error located: %s", err.msg);

	/* Regression (fuzz-prompt): aliases expanding to 10^8 values hung. */
	ig_err_clear(&err);
	p = prompt_parse("write",
			 "---\n"
			 "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
			 "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			 "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			 "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			 "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			 "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			 "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			 "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			 "---\nbody\n", "laughs.md", &err);
	ok(!p, "billion laughs refused");
	is_str(err.msg, "laughs.md: more than 100000 values (aliases?)", "message");
	p = prompt_parse("write", "---\nx: &x {type: string}\ny: *x\n---\n",
			 "i.md", &err);
	is_str(p ? json_str(json_obj(prompt_meta(p), "y"), "type") : NULL, "string",
	       "a plain alias still works");
	prompt_free(p);
}

/* Renders text; returns the output or "ERR <code> <msg>" (static). */
static const char *
render(const struct prompt_vars *v, const char *text)
{
	static char out[2048];
	struct ig_err err = { 0 };
	char *s = prompt_render(text, v, &err);

	if (s)
		snprintf(out, sizeof out, "%s", s);
	else
		snprintf(out, sizeof out, "ERR %d %s", err.code, err.msg);
	free(s);
	return out;
}

static void
test_render(void)
{
	struct prompt_vars *v = prompt_vars_new();

	prompt_vars_set(v, "keyword", "running shoes");
	prompt_vars_set(v, "Title", "old");
	prompt_vars_set(v, "Title", "Best {keyword}");
	prompt_vars_setf(v, "n", "%d items", 3);
	prompt_vars_set(v, "empty", NULL);
	is_str(render(v, "[IGNY8_KEYWORD] / {keyword}"),
	       "running shoes / running shoes", "both placeholder forms");
	is_str(render(v, "{KeyWord} [IGNY8_keyword] [IGNY8_TITLE]"),
	       "running shoes running shoes Best {keyword}",
	       "names are case-insensitive; values are not expanded again");
	is_str(render(v, "{n}; [{empty}]"), "3 items; []", "setf, and NULL is empty");
	is_str(render(v, "{{keyword}} and {{ }} x}}"), "{keyword} and { } x}",
	       "{{ and }} are literal braces");
	is_str(render(v, "Answer as {\"a\": 1, \"b\": [{}]}"),
	       "Answer as {\"a\": 1, \"b\": [{}]}", "JSON example left alone");
	is_str(render(v, "{ keyword } {key-word} {} [IGNY8_] [IGNY8_keyword [x]"),
	       "{ keyword } {key-word} {} [IGNY8_] [IGNY8_keyword [x]",
	       "braces and brackets that are not placeholders");
	is_str(render(v, "a {nope} b"),
	       "ERR 65 unknown placeholder '{nope}' (known: keyword, Title, n, empty)",
	       "unknown {name} names itself and the known names");
	is_str(render(v, "a [IGNY8_NOPE] b"),
	       "ERR 65 unknown placeholder '[IGNY8_NOPE]' (known: keyword, Title, n, empty)",
	       "unknown [IGNY8_NAME] named whole");
	is_str(render(v, "{keyword}{"), "running shoes{", "brace at the end");
	is_str(render(v, "x}[IGNY8_n][keyword]}["), "x}3 items[keyword]}[",
	       "lone closers and brackets around placeholders");
	is_str(render(v, "caf\xc3\xa9 {n}\n\t{n}"), "caf\xc3\xa9 3 items\n\t3 items",
	       "other bytes copied as they are");
	is_str(render(v, ""), "", "empty text");
	prompt_vars_free(v);
	v = prompt_vars_new();
	is_str(render(v, "{x}"), "ERR 65 unknown placeholder '{x}' (known: )",
	       "no variables at all");
	prompt_vars_free(v);
}

/* The article before a value agrees with it; language codes read as names. */
static void
test_articles(void)
{
	struct prompt_vars *v = prompt_vars_new();

	prompt_vars_set(v, "tone", "informative");
	prompt_vars_set(v, "mood", "friendly");
	prompt_vars_set(v, "u", "user-first");
	prompt_vars_set(v, "h", "honest");
	prompt_vars_set(v, "empty", "");
	is_str(render(v, "in a {tone} tone"), "in an informative tone", "a -> an before a vowel");
	is_str(render(v, "in an {mood} tone"), "in a friendly tone", "an -> a before a consonant");
	is_str(render(v, "in a {mood} tone"), "in a friendly tone", "a kept");
	is_str(render(v, "in an [IGNY8_TONE] tone"), "in an informative tone", "an kept");
	is_str(render(v, "A {tone} piece. An {mood} one."), "An informative piece. A friendly one.",
	       "capitals kept");
	is_str(render(v, "a {u} guide, an {h} one"), "a user-first guide, an honest one",
	       "sound, not spelling, for the common exceptions");
	is_str(render(v, "Persona {tone}, Gamma {tone}, a{tone}"),
	       "Persona informative, Gamma informative, ainformative",
	       "only the word a, not a word ending in a");
	is_str(render(v, "a {empty}x"), "a x", "an empty value changes nothing");
	prompt_vars_free(v);

	is_str(lang_name("en"), "English", "en is English");
	is_str(lang_name("pt-BR"), "Portuguese", "a region tag");
	is_str(lang_name("DE_at"), "German", "case and underscore");
	is_str(lang_name("German"), "German", "a name is kept");
	is_str(lang_name("xx"), "xx", "an unknown code is kept");
	is_str(lang_name("e"), "e", "one letter is kept");
}

/* Every shipped prompt passes the checks `igny8 prompts set` makes. */
static void
test_validate(void)
{
	struct ig_err err = { 0 };

	for (const char *const *f = prompt_functions; *f; f++) {
		char *text = prompt_default_text(*f, &err);
		int rc = text ? prompt_validate(*f, text, *f, &err) : -1;

		ok(rc == 0, "shipped %s prompt validates%s%s", *f, err.msg[0] ? ": " : "", err.msg);
		free(text);
		ig_err_clear(&err);
	}
	is_int(prompt_validate("write", "Write {title} for {sector} in {format}.", "t", &err), 0,
	       "no front matter, known placeholders");
	is_int(prompt_validate("negative", "blurry, {not a placeholder}", "t", &err), 0,
	       "negative has no placeholders to check");
	is_int(prompt_validate("image", "{prompt} {title}", "t", &err), -1,
	       "image knows only prompt and style");
	is_str(err.msg, "t: text: unknown placeholder '{title}' (known: prompt, style)", "named");
}

/* Whether the schema printed with the prompt is the schema it has now. */
static int
printed_schema(const struct prompt *p)
{
	char *now = p && prompt_schema(p) ? json_dump(prompt_schema(p)) : NULL;
	const char *printed = p ? prompt_schema_json(p) : NULL;
	int same = now && printed ? !strcmp(now, printed) : now == printed;

	free(now);
	return same;
}

static struct prompt *
resolve(struct ws *ws, const char *override, const char *run_file,
	struct ig_err *err)
{
	ig_err_clear(err);
	return prompt_resolve(ws, "write", override, run_file, err);
}

static void
test_resolve(void)
{
	char path[PATH_MAX + 64], xdgfile[PATH_MAX + 128], runfile[PATH_MAX + 64];
	struct ig_err err = { 0 };
	struct prompt *p;
	struct ws *ws;

	snprintf(path, sizeof path, "%s/ws.db", tmp);
	ws = ws_open(path, WS_CREATE, &err);
	ok(ws != NULL, "workspace: %s", err.msg);
	if (!ws)
		return;
	snprintf(path, sizeof path, "%s/xdg", tmp);
	setenv("XDG_CONFIG_HOME", path, 1);
	setenv("HOME", tmp, 1);

	p = resolve(ws, NULL, NULL, &err);
	ok(p != NULL, "default resolves: %s", err.msg);
	is_str(p ? prompt_source(p) : NULL, "default", "from the shipped default");
	is_str(p ? prompt_schema_name(p) : NULL, "igny8_write", "with its schema name");
	ok(p && prompt_schema(p), "and its schema");
	ok(p && prompt_schema_json(p) && printed_schema(p), "printed once");
	prompt_free(p);

	snprintf(path, sizeof path, "%s/xdg/igny8/prompts", tmp);
	snprintf(xdgfile, sizeof xdgfile, "%s/xdg", tmp);
	mkdir(xdgfile, 0700);
	snprintf(xdgfile, sizeof xdgfile, "%s/xdg/igny8", tmp);
	mkdir(xdgfile, 0700);
	mkdir(path, 0700);
	snprintf(xdgfile, sizeof xdgfile, "%s/write.md", path);
	fixture_put(xdgfile, "---\nmodel: xdg-model\n---\nXDG body\n", 0644);
	p = resolve(ws, NULL, NULL, &err);
	is_str(p ? prompt_source(p) : NULL, xdgfile, "XDG file beats the default");
	is_str(p ? prompt_body(p) : NULL, "XDG body\n", "its body");
	is_str(p ? prompt_model(p) : NULL, "xdg-model", "its model");
	is_str(p ? prompt_schema_name(p) : NULL, "igny8_write",
	       "default's keys fill in the rest");
	prompt_free(p);

	is_int(prompt_ws_set(ws, "write", "WS body {x}", &err), 0, "workspace set");
	is_int(prompt_ws_set(ws, "wrte", "x", &err), -1, "unknown function");
	is_int(err.code, IG_EUSAGE, "is a usage error");
	p = resolve(ws, NULL, NULL, &err);
	is_str(p ? prompt_source(p) : NULL, "workspace", "workspace beats XDG");
	is_str(p ? prompt_body(p) : NULL, "WS body {x}", "its body");
	ok(p && prompt_schema(p), "keeps the default's schema");
	is_str(p ? prompt_model(p) : NULL, NULL, "XDG level no longer applies");
	prompt_free(p);

	snprintf(runfile, sizeof runfile, "%s/run.md", tmp);
	fixture_put(runfile, "---\nschema_name: mine\n---\nRun body\n", 0644);
	p = resolve(ws, NULL, runfile, &err);
	is_str(p ? prompt_source(p) : NULL, runfile, "run file beats workspace");
	is_str(p ? prompt_schema_name(p) : NULL, "mine", "its own front matter wins");
	ok(p && prompt_schema(p), "default schema kept for keys it leaves out");
	ok(printed_schema(p), "and printed with the run file's prompt");
	prompt_free(p);
	fixture_put(runfile, "---\nschema: {type: object, required: [x]}\n---\nRun\n", 0644);
	p = resolve(ws, NULL, runfile, &err);
	is_str(p ? prompt_schema_json(p) : NULL, "{\"type\":\"object\",\"required\":[\"x\"]}",
	       "a run file's own schema is the one printed");
	prompt_free(p);
	fixture_put(runfile, "---\nschema: none\n---\nRun\n", 0644);
	p = resolve(ws, NULL, runfile, &err);
	ok(p && !prompt_schema(p) && !prompt_schema_json(p),
	   "a schema that is not an object is neither used nor printed");
	prompt_free(p);
	fixture_put(runfile, "---\nschema_name: mine\n---\nRun body\n", 0644);

	p = resolve(ws, "Override body", runfile, &err);
	is_str(p ? prompt_source(p) : NULL, "record prompt_override",
	       "override beats everything");
	is_str(p ? prompt_body(p) : NULL, "Override body", "its body");
	is_str(p ? prompt_schema_name(p) : NULL, "igny8_write",
	       "override without front matter keeps the default's schema name");
	ok(p && json_obj(prompt_schema(p), "properties"),
	   "and the default's schema");
	ok(printed_schema(p), "printed with it");
	prompt_free(p);

	p = resolve(ws, "", NULL, &err);
	is_str(p ? prompt_source(p) : NULL, "workspace", "an empty override is none");
	prompt_free(p);

	p = resolve(ws, "---\nbroken\n", NULL, &err);
	ok(!p && err.code == IG_EDATA, "a bad override fails, no fallback");
	is_str(err.msg, "record prompt_override: front matter has no closing '---'",
	       "named in the message");

	snprintf(path, sizeof path, "%s/missing.md", tmp);
	p = resolve(ws, NULL, path, &err);
	ok(!p, "missing run file fails");
	is_int(err.code, IG_ENOINPUT, "as missing input");

	is_int(prompt_ws_set(ws, "write", NULL, &err), 0, "workspace reset");
	p = resolve(ws, NULL, NULL, &err);
	is_str(p ? prompt_source(p) : NULL, xdgfile, "XDG again after reset");
	prompt_free(p);

	/* A relative XDG_CONFIG_HOME is ignored (XDG spec), as config.c does. */
	if (chdir(tmp) == 0) {
		setenv("XDG_CONFIG_HOME", "xdg", 1);
		p = resolve(ws, NULL, NULL, &err);
		is_str(p ? prompt_source(p) : NULL, "default",
		       "relative XDG_CONFIG_HOME ignored");
		prompt_free(p);
	}

	ig_err_clear(&err);
	ok(!prompt_resolve(ws, "nope", NULL, NULL, &err) && err.code == IG_ESOFTWARE,
	   "unknown function is a bug");
	ws_close(ws);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];

	fixture_srcdir(srcdir);
	snprintf(tmp, sizeof tmp, "/tmp/t-prompt.XXXXXX");
	if (!mkdtemp(tmp))
		return 1;
	setenv("IGNY8_DATADIR", srcdir, 1);
	test_parse();
	test_render();
	test_articles();
	test_validate();
	test_resolve();
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		diag("could not remove %s", tmp);
	return done_testing();
}
