/* yamljson.c: YAML documents to cJSON trees via libyaml's document API. */
#include "compat.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "yamljson.h"

#define MAX_DEPTH 64
/* Aliases share nodes, so a few lines can name billions of them ("billion
 * laughs"); front matter is small, so the tree gets a node budget. */
#define MAX_NODES 100000

static cJSON *
plain_scalar(const char *s)
{
	char *end;
	double d;

	if (!strcmp(s, "null") || !strcmp(s, "~") || !*s)
		return cJSON_CreateNull();
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		return cJSON_CreateTrue();
	if (!strcmp(s, "false") || !strcmp(s, "no"))
		return cJSON_CreateFalse();
	errno = 0;
	d = strtod(s, &end);
	if (end != s && !*end && errno == 0 && isfinite(d) &&
	    strspn(s, "+-0123456789.eE") == strlen(s))
		return cJSON_CreateNumber(d);
	return cJSON_CreateString(s);
}

static cJSON *
convert(yaml_document_t *doc, yaml_node_t *node, int depth, size_t *nodes,
	struct ig_err *err)
{
	cJSON *out = NULL;

	if (!node || depth > MAX_DEPTH) {
		ig_err_set(err, IG_EDATA, "nested too deeply");
		return NULL;
	}
	if (++*nodes > MAX_NODES) {
		ig_err_set(err, IG_EDATA, "more than %d values (aliases?)", MAX_NODES);
		return NULL;
	}
	switch (node->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)node->data.scalar.value;
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			return plain_scalar(s);
		return cJSON_CreateString(s);
	}
	case YAML_SEQUENCE_NODE:
		out = cJSON_CreateArray();
		for (yaml_node_item_t *i = node->data.sequence.items.start;
		     i < node->data.sequence.items.top; i++) {
			cJSON *v = convert(doc, yaml_document_get_node(doc, *i), depth + 1,
					   nodes, err);
			if (!v)
				goto fail;
			cJSON_AddItemToArray(out, v);
		}
		return out;
	case YAML_MAPPING_NODE:
		out = cJSON_CreateObject();
		for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			cJSON *v;
			if (!k || k->type != YAML_SCALAR_NODE) {
				ig_err_set(err, IG_EDATA, "line %zu: mapping key is not a scalar",
					   k ? k->start_mark.line + 1 : 0);
				goto fail;
			}
			v = convert(doc, yaml_document_get_node(doc, p->value),
				    depth + 1, nodes, err);
			if (!v)
				goto fail;
			cJSON_AddItemToObject(out, (const char *)k->data.scalar.value, v);
		}
		return out;
	default:
		ig_err_set(err, IG_EDATA, "empty YAML node");
		return NULL;
	}
fail:
	cJSON_Delete(out);
	return NULL;
}

cJSON *
yaml_to_json(const char *text, size_t len, const char *name, struct ig_err *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	cJSON *out = NULL;
	size_t nodes = 0;

	if (!yaml_parser_initialize(&parser)) {
		ig_err_set(err, IG_ESOFTWARE, "out of memory");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		ig_err_set(err, IG_EDATA, "%s:%zu: %s", name,
			   parser.problem_mark.line + 1,
			   parser.problem ? parser.problem : "YAML syntax error");
		yaml_parser_delete(&parser);
		return NULL;
	}
	if (yaml_document_get_root_node(&doc))
		out = convert(&doc, yaml_document_get_root_node(&doc), 0, &nodes,
			      err);
	else
		out = cJSON_CreateObject();
	if (!out)
		ig_err_prefix(err, "%s", name);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return out;
}
