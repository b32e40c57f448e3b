// SPDX-License-Identifier: GPL-2.0
/* svmstress: the summary, for people or as JSON (--json). */
#include <stdio.h>
#include "svmstress.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			printf("\\n");
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

#define U(x) ((unsigned long long)(x))

void print_summary(double seconds)
{
	const struct counters *c = &sh->cnt;
	const struct config *cfg = &sh->cfg;
	uint64_t ops = 0;
	unsigned int i;

	for (i = 0; i < OP_NR; i++)
		ops += c->ops[i];
	if (cfg->json) {
		printf("{\"seed\":%llu,\"seconds\":%.1f,\"processes\":%u,\"threads\":%u,"
		       "\"regions\":%u,\"devices\":%u,\"device_mem\":%llu,"
		       "\"private_region_bytes\":%llu,\"shared_region_bytes\":%llu,"
		       "\"oversub\":%.2f,\"ops\":%llu,\"ops_by_kind\":{",
		       U(cfg->seed), seconds, cfg->procs, cfg->threads, cfg->regions,
		       cfg->ndevs, U(cfg->dev_mem), U(cfg->private_size),
		       U(cfg->shared_size), cfg->oversub, U(ops));
		for (i = 0; i < OP_NR; i++)
			printf("%s\"%s\":%llu", i ? "," : "", op_name(i), U(c->ops[i]));
		printf("},\"mismatches\":%llu,\"mismatched_words\":%llu,\"mismatches_by_kind\":{",
		       U(c->mismatches), U(c->mismatched_words));
		for (i = 0; i < KIND_NR; i++)
			printf("%s\"%s\":%llu", i ? "," : "", kind_name(i),
			       U(c->mismatches_by_kind[i]));
		printf("},\"uncertain_words\":%llu,\"errors\":%llu,\"busy\":%llu,"
		       "\"refused\":%llu,\"kills\":%llu,\"respawns\":%llu,\"forks\":%llu,"
		       "\"policy_changes\":%llu,\"chaos_ejections\":%llu,"
		       "\"unexpected_ejections\":%llu,\"svmctl_failures\":%llu,"
		       "\"first_mismatch\":",
		       U(c->uncertain_words), U(c->errors), U(c->busy), U(c->refused),
		       U(c->kills), U(c->respawns), U(c->forks), U(c->policy_changes),
		       U(c->chaos_ejections), U(c->unexpected_ejections),
		       U(c->svmctl_failures));
		if (sh->first_taken)
			json_str(sh->first);
		else
			printf("null");
		printf(",\"last_error\":");
		json_str(sh->last_err);
		printf(",\"chaos_last_reason\":");
		json_str(sh->chaos_reason);
		printf("}\n");
		fflush(stdout);
		return;
	}
	printf("svmstress: seed %llu: %llu operations in %.1f s, %llu mismatches (%llu words; private %llu, shared_anon %llu, memfd %llu, file %llu)\n",
	       U(cfg->seed), U(ops), seconds, U(c->mismatches), U(c->mismatched_words),
	       U(c->mismatches_by_kind[KIND_PRIVATE]),
	       U(c->mismatches_by_kind[KIND_SHARED_ANON]),
	       U(c->mismatches_by_kind[KIND_MEMFD]),
	       U(c->mismatches_by_kind[KIND_FILE]));
	printf("  operations:");
	for (i = 0; i < OP_NR; i++)
		printf(" %s %llu", op_name(i), U(c->ops[i]));
	printf("\n  kills %llu, forks %llu, in-flight words resolved %llu, busy %llu, refused %llu\n",
	       U(c->kills), U(c->forks), U(c->uncertain_words), U(c->busy), U(c->refused));
	printf("  policy changes %llu, chaos ejections %llu (last: %s), unexpected ejections %llu, svmctl failures %llu\n",
	       U(c->policy_changes), U(c->chaos_ejections),
	       sh->chaos_reason[0] ? sh->chaos_reason : "-",
	       U(c->unexpected_ejections), U(c->svmctl_failures));
	printf("  errors %llu%s%s\n", U(c->errors), c->errors ? ": last: " : "",
	       c->errors ? sh->last_err : "");
	if (sh->first_taken)
		printf("first mismatch:\n%s", sh->first);
	fflush(stdout);
}
