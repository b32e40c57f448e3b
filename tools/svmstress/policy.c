// SPDX-License-Identifier: GPL-2.0
/*
 * svmstress: policy switches through svmctl, and the chaos policy's
 * ejections.  A chaos ejection for a bad decision is what chaos is for:
 * counted, then chaos is loaded again.  Any other ejection is a finding.
 */
#include <stdio.h>
#include <string.h>
#include "svm_user.h"
#include "svmstress.h"

static bool loaded_by_us;

bool policy_enabled(void)
{
	return sh->cfg.policies[0] && sh->cfg.policy_interval > 0;
}

static void sysfs(const char *name, char *buf, size_t len)
{
	char path[128];

	snprintf(path, sizeof(path), SVM_SYSFS "/%s", name);
	if (read_str(path, buf, len))
		buf[0] = '\0';
}

static int svmctl(const char *fmt, const char *arg)
{
	char args[256];
	int rc;

	snprintf(args, sizeof(args), fmt, arg);
	/* svmctl is not under test: it must not inherit make-it-fail */
	rc = run("%s%s %s %s", sh->cfg.inject ? "echo 0 >/proc/self/make-it-fail; " : "",
		 sh->cfg.svmctl, args,
		 sh->cfg.verbose ? "" : ">/dev/null 2>&1");
	if (rc)
		CNT_ADD(svmctl_failures, 1);
	if (sh->cfg.verbose)
		fprintf(stderr, "svmstress: svmctl %s -> %d\n", args, rc);
	return rc;
}

static int load(const char *name, bool do_switch)
{
	char cmd[96];

	if (!strcmp(name, "chaos"))
		snprintf(cmd, sizeof(cmd), "%s --set illegal_ppm=%u %%s",
			 do_switch ? "switch" : "load", sh->cfg.chaos_illegal_ppm);
	else
		snprintf(cmd, sizeof(cmd), "%s %%s", do_switch ? "switch" : "load");
	loaded_by_us = true;
	return svmctl(cmd, name);
}

void policy_check_ejected(void)
{
	char state[32], name[64], kind[32], reason[200];

	sysfs("state", state, sizeof(state));
	if (strcmp(state, "ejected"))
		return;
	sysfs("policy", name, sizeof(name));
	sysfs("exit_kind", kind, sizeof(kind));
	sysfs("exit_reason", reason, sizeof(reason));
	if (!strcmp(name, "chaos") && !strcmp(kind, "bad_decision")) {
		if (CNT_ADD(chaos_ejections, 1) == 1 || sh->cfg.verbose)
			fprintf(stderr, "svmstress: chaos ejected as it should be: %s\n",
				reason);
		snprintf(sh->chaos_reason, sizeof(sh->chaos_reason), "%s", reason);
		svmctl("unload", "");
		load("chaos", false);
		return;
	}
	CNT_ADD(unexpected_ejections, 1);
	note_error("policy '%s' ejected (%s): %s", name, kind, reason);
	svmctl("unload", "");
}

/* the next policy from the list, at random; "none" unloads */
int policy_tick(uint64_t *rng)
{
	char list[sizeof(sh->cfg.policies)], *names[32], *tok, *save = NULL;
	char state[32];
	unsigned int n = 0;
	const char *name;

	snprintf(list, sizeof(list), "%s", sh->cfg.policies);
	for (tok = strtok_r(list, ",", &save); tok && n < 32;
	     tok = strtok_r(NULL, ",", &save))
		names[n++] = tok;
	if (!n)
		return 0;
	name = names[rng_below(rng, n)];
	sysfs("state", state, sizeof(state));
	CNT_ADD(policy_changes, 1);
	if (sh->cfg.verbose)
		fprintf(stderr, "svmstress: policy %s (state %s)\n", name, state);
	if (!strcmp(name, "none"))
		return strcmp(state, "disabled") ? svmctl("unload", "") : 0;
	if (!strcmp(state, "enabled"))
		return load(name, true);
	if (!strcmp(state, "ejected")) {
		policy_check_ejected();
		sysfs("state", state, sizeof(state));
		if (!strcmp(state, "enabled"))
			return load(name, true);
	}
	return load(name, false);
}

/* leave the machine as we found it: no policy of ours attached */
void policy_cleanup(void)
{
	char state[32];

	if (!loaded_by_us)
		return;
	policy_check_ejected();
	sysfs("state", state, sizeof(state));
	if (strcmp(state, "disabled"))
		svmctl("unload", "");
}
