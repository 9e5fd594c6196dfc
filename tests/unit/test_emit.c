// SPDX-License-Identifier: GPL-2.0
/*
 * The emitter: one sequence of calls gives the text form and valid JSON;
 * commas, nesting, null, escaping, muted text; and the learned-state
 * metrics helpers.
 */
#include <stdlib.h>
#include "../../src/core.h"
#include "../../src/emit.h"
#include "unit.h"

/* A reply in the shape of the tuners answer. */
static void sample(struct emit *e)
{
	static const char *const hooks[] = { "a_hook", "b\"hook" };
	unsigned int i;

	emit_obj(e, NULL);
	emit_arr(e, "tuners");
	emit_obj(e, NULL);
	emit_str(e, "name", "tcp", "%s");
	emit_uint(e, "events", 42, " %llu events");
	emit_int(e, "delta", -3, ", delta %lld");
	emit_bool(e, "on", true);
	emit_arr(e, "hooks");
	for (i = 0; i < 2; i++) {
		emit_obj(e, NULL);
		emit_str(e, "name", hooks[i], i ? ", %s" : "; %s");
		emit_str(e, "why", NULL, " (%s)");
		emit_obj_end(e);
	}
	emit_arr_end(e);
	emit_mute_text(e, true);
	emit_str(e, "hidden", "x", " HIDDEN %s");
	emit_text(e, " HIDDEN");
	emit_mute_text(e, false);
	emit_arr(e, "empty");
	emit_arr_end(e);
	emit_arr(e, "nums");
	emit_int(e, NULL, 1, NULL);
	emit_str(e, NULL, NULL, NULL);
	emit_arr_end(e);
	emit_text(e, "\n");
	emit_obj_end(e);
	emit_arr_end(e);
	emit_obj_end(e);
}

static void test_forms(void)
{
	struct bpftune_qbuf b;
	struct emit e;

	qbuf_init(&b);
	emit_init(&e, &b, false);
	sample(&e);
	CHECK_STR(b.data, "tcp 42 events, delta -3; a_hook, b\"hook\n");
	qbuf_free(&b);

	qbuf_init(&b);
	emit_init(&e, &b, true);
	sample(&e);
	CHECK_STR(b.data, "{\"tuners\":[{\"name\":\"tcp\",\"events\":42,\"delta\":-3,"
			  "\"on\":true,\"hooks\":[{\"name\":\"a_hook\",\"why\":null},"
			  "{\"name\":\"b\\\"hook\",\"why\":null}],\"hidden\":\"x\","
			  "\"empty\":[],\"nums\":[1,null]}]}\n");
	qbuf_free(&b);
}

static void test_metrics(void)
{
	struct bpftune_learned l = { 0 };
	long long v = 0;
	unsigned int i;

	CHECK(bpftune_learned_set(&l, "bbr.cost", 52000));
	CHECK(bpftune_learned_get(&l, "bbr.cost", &v) && v == 52000);
	CHECK(!bpftune_learned_get(&l, "cubic.cost", &v));
	/* a name too long for the field is refused, not cut */
	CHECK(!bpftune_learned_set(&l, "a_name_longer_than_the_field_allows", 1));
	for (i = 1; i < BPFTUNE_LEARNED_METRICS; i++)
		CHECK(bpftune_learned_set(&l, "m", i));
	CHECK(!bpftune_learned_set(&l, "full", 1));
	CHECK_EQ(l.nmetrics, BPFTUNE_LEARNED_METRICS);
}

int main(void)
{
	test_forms();
	test_metrics();
	return unit_report();
}
