/* t-render.c: each record type as a person reads it on a terminal. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "render.h"
#include "tap.h"

/* The text render_record() writes for the JSON record `json` (static). */
static const char *
render(const char *json)
{
	static char *text;
	size_t len;
	cJSON *rec = cJSON_Parse(json);
	FILE *f;

	free(text);
	text = NULL;
	if (!rec || !(f = open_memstream(&text, &len)))
		return "(bad test record)";
	if (render_record(f, rec) < 0)
		ok(0, "render_record failed");
	fclose(f);
	cJSON_Delete(rec);
	return text;
}

int
main(void)
{
	is_str(render("{\"type\":\"keyword\",\"id\":3,\"keyword\":\"trail shoes\",\"volume\":900,"
		      "\"difficulty\":31.5,\"intent\":\"commercial\",\"sector\":null,"
		      "\"cluster_id\":2,\"cluster\":\"Trail shoes\"}"),
	       "- trail shoes (volume 900, difficulty 31.5, commercial, cluster: Trail shoes)\n",
	       "a keyword is one line of a list, with what is known of it");
	is_str(render("{\"type\":\"keyword\",\"keyword\":\"road shoes\",\"volume\":null}"),
	       "- road shoes\n", "unknown figures are left out");
	is_str(render("{\"type\":\"cluster\",\"id\":2,\"name\":\"Trail shoes\",\"description\":null,"
		      "\"keywords\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\","
		      "\"l\",\"m\",\"n\"],\"keyword_count\":14,\"total_volume\":2400,"
		      "\"intent\":\"informational\"}"),
	       "Cluster 2: Trail shoes (keywords: 14, volume 2400, informational)\n"
	       "  - a\n  - b\n  - c\n  - d\n  - e\n  - f\n  - g\n  - h\n  - i\n  - j\n  - k\n"
	       "  - l\n  - ... and 2 more\n\n",
	       "a cluster: its figures, then its first 12 keywords and how many more");
	is_str(render("{\"type\":\"cluster\",\"unclustered\":true,\"id\":null,\"name\":null,"
		      "\"keywords\":[\"x\"],\"keyword_count\":1,\"total_volume\":null}"),
	       "Not in any cluster (keywords: 1)\n  - x\n\n", "what no cluster took");
	is_str(render("{\"type\":\"idea\",\"id\":7,\"cluster_id\":2,\"cluster\":\"Trail shoes\","
		      "\"title\":\"Choosing trail shoes\",\"content_type\":\"post\","
		      "\"structure\":\"guide\",\"description\":\"Fit and grip.\","
		      "\"primary_keyword\":\"trail shoes\",\"keywords\":[],\"word_count\":1500,"
		      "\"outline\":[{\"h2\":\"Fit\",\"h3\":[{\"heading\":\"Toe box\"}]},"
		      "{\"h2\":\"Grip\"}]}"),
	       "Idea 7: Choosing trail shoes (guide, post, words: 1500)\n"
	       "  Keyword: trail shoes\n  Cluster: Trail shoes\n  Fit and grip.\n"
	       "  - Fit\n    - Toe box\n  - Grip\n\n",
	       "an idea: its shape, keyword, cluster and outline");
	is_str(render("{\"type\":\"content\",\"id\":4,\"task_id\":9,\"title\":\"Trail shoes\","
		      "\"meta_description\":\"How to pick them.\",\"slug\":\"trail-shoes\","
		      "\"html\":\"<p>Pick <strong>well</strong>.</p><h2>Fit</h2><ul><li>Snug</li></ul>\","
		      "\"word_count\":3,\"status\":\"draft\",\"secondary_keywords\":[\"grip\"],"
		      "\"tags\":[\"shoes\",\"trail\"],\"categories\":[\"Guides\"]}"),
	       "# Trail shoes\n\n> How to pick them.\n\n"
	       "Pick **well**.\n\n## Fit\n\n- Snug\n\n"
	       "---\nArticle 4 of task 9 (words: 3, draft, slug: trail-shoes)\n"
	       "Keywords: grip\nTags: shoes, trail\nCategories: Guides\n\n",
	       "an article as Markdown from its HTML, then what it is");
	is_str(render("{\"type\":\"content\",\"id\":4,\"task_id\":9,\"title\":\"T\","
		      "\"html\":\"<p>x</p>\",\"markdown\":\"As *written*.\\n\"}"),
	       "# T\n\nAs *written*.\n\n---\nArticle 4 of task 9\n\n",
	       "the Markdown the model wrote, when the record has it");
	is_str(render("{\"type\":\"image\",\"id\":5,\"task_id\":9,\"kind\":\"in_article\","
		      "\"device\":\"mobile\",\"section\":\"Fit\",\"path\":\"img/5.png\","
		      "\"status\":\"done\",\"error\":null}"),
	       "Image 5 of task 9 (in_article, mobile, done)\n  For: Fit\n  File: img/5.png\n\n",
	       "an image");
	is_str(render("{\"type\":\"publish\",\"task_id\":9,\"target\":\"wordpress\","
		      "\"site\":\"https://x.example\",\"action\":\"updated\",\"status\":\"draft\","
		      "\"url\":\"https://x.example/?p=3\"}"),
	       "Task 9 on wordpress https://x.example (updated, draft)\n  https://x.example/?p=3\n\n",
	       "a published article");
	is_str(render("{\"type\":\"task\",\"id\":9,\"title\":\"Trail shoes\",\"status\":\"queued\"}"),
	       "Task 9: Trail shoes (queued)\n\n", "a task");
	is_str(render("{\"type\":\"request\",\"function\":\"ideas\",\"record\":\"cluster:2\","
		      "\"provider\":\"openai\",\"est_tokens_in\":812,\"est_tokens_out_max\":3000,"
		      "\"est_cost\":0.0042,\"body\":{}}"),
	       "Would send ideas cluster:2 to openai: about 812 tokens in, at most 3000 out, "
	       "at most $0.0042\n\n", "a dry run's request, without its body");
	is_str(render("{\"type\":\"request\",\"function\":\"write\",\"record\":\"task:1\","
		      "\"provider\":\"openai\",\"est_tokens_in\":1,\"est_tokens_out_max\":2,"
		      "\"est_cost\":null}"),
	       "Would send write task:1 to openai: about 1 tokens in, at most 2 out, cost unknown\n\n",
	       "an unknown cost said so");
	is_str(render("{\"type\":\"request\",\"function\":\"publish\",\"record\":\"task:9\","
		      "\"target\":\"wordpress\",\"site\":\"https://x.example\",\"requests\":["
		      "{\"method\":\"POST\",\"url\":\"https://x.example/wp-json/wp/v2/posts\"},"
		      "{\"file\":\"s/a.md\",\"action\":\"created\"}]}"),
	       "Would publish task:9 to wordpress https://x.example:\n"
	       "  POST https://x.example/wp-json/wp/v2/posts\n  created s/a.md\n\n",
	       "a publishing plan, a line per step");
	is_str(render("{\"type\":\"batch\",\"id\":\"b1\"}"), "{\"type\":\"batch\",\"id\":\"b1\"}\n",
	       "a type it does not know stays a JSON line");
	is_str(render("{\"type\":\"task\",\"id\":1,\"title\":\"A \\u001b]0;owned\\u0007 b\\u001b[2J"
		      " \\u009b31m c\\u007f d\\tf \\u00e9\"}"),
	       "Task 1: A ?]0;owned? b?[2J ?31m c? d\tf \xc3\xa9\n\n",
	       "no control character reaches the terminal: C0, C1 and DEL become '?'");
	return done_testing();
}
