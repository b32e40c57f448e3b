#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make modules: check that no two source files of a module call into each
# other both ways (the layering of DOC: Overview, kernel/core/main.c).
#
# usage: tools/build/layers.sh MODULE_DIR...
#
# Each MODULE_DIR is a built module's directory (kernel/core, kernel/emu):
# its Kbuild names the objects (NAME-y := a.o b.o ...).  A file "uses"
# another when its object refers to a global symbol the other defines (a
# function, a variable, a tracepoint), read off the objects with nm.
#
# Fails on a pair of files that use each other (with the symbols of each
# direction), and on any longer cycle of uses once the up-calls below are
# set aside: callbacks the kernel makes through an ops table of a lower
# file into a higher one.  Otherwise prints the layers, bottom first: a
# file's layer is one above the highest file it uses.
#
# Exit status: 0 layered; 1 a pair or a cycle; 2 usage or unbuilt objects.
set -euo pipefail

say() { echo "layers: $*" >&2; }
[ $# -ge 1 ] || { sed -n '4,18s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# Up-calls through ops tables: "MODULE_DIR_BASENAME FROM TO  why".
UPCALLS=(
	"core devmem fault  dev_pagemap_ops.migrate_to_ram: the CPU touched device memory"
)

rc=0
for dir in "$@"; do
	kbuild=$dir/Kbuild
	[ -r "$kbuild" ] || { say "$kbuild: not found"; exit 2; }
	# the objects of NAME-y, joined over continuation lines
	objs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$kbuild" |
		sed -n '/^\(obj\|ccflags\|subdir\)-/d; s/^[A-Za-z0-9_]*-y[[:space:]]*[:+]*=//p' |
		tr ' \t' '\n\n' | grep '\.o$' || true)
	[ -n "$objs" ] || { say "$kbuild: no NAME-y objects"; exit 2; }
	defs=$(mktemp) uses=$(mktemp)
	trap 'rm -f "$defs" "$uses"' EXIT
	for o in $objs; do
		f=$dir/$o
		[ -r "$f" ] || { say "$f: not built (make modules first)"; exit 2; }
		nm --defined-only "$f" | awk -v f="${o%.o}" '$2 ~ /^[TDBRV]$/ { print $3, f }'
	done >"$defs"
	for o in $objs; do
		nm -u "$dir/$o" | awk -v f="${o%.o}" '{ print f, $2 }'
	done >"$uses"
	# user definer symbol, one line per use across files
	edges=$(awk 'NR == FNR { def[$1] = $2; next }
		($2 in def) && def[$2] != $1 { print $1, def[$2], $2 }' "$defs" "$uses" | sort -u)
	pairs=$(awk '{ e[$1 " " $2] = 1 }
		END { for (k in e) { split(k, p, " ");
			if (p[1] < p[2] && ((p[2] " " p[1]) in e)) print p[1], p[2] } }' <<<"$edges" | sort)
	if [ -n "$pairs" ]; then
		while read -r a b; do
			say "$dir: $a.c and $b.c call into each other:"
			awk -v a="$a" -v b="$b" '($1 == a && $2 == b) || ($1 == b && $2 == a) {
				print "  " $1 ".c -> " $2 ".c: " $3 }' <<<"$edges" >&2
		done <<<"$pairs"
		rc=1
	fi
	# the uses without the up-calls must form no cycle (tsort finds one)
	skip=$(for u in "${UPCALLS[@]}"; do
		set -- $u
		if [ "$1" = "$(basename "$dir")" ]; then echo "$2 $3"; fi
	done)
	down=$(awk 'NR == FNR { if (NF) s[$1 " " $2] = 1; next }
		!(($1 " " $2) in s) { print $1, $2 }' <(echo "$skip") <(cut -d' ' -f1,2 <<<"$edges" | sort -u))
	if ! loop=$(tsort <<<"$down" 2>&1 >/dev/null) || [ -n "$loop" ]; then
		say "$dir: files that call each other round a cycle:"
		sed -n 's/^tsort: \([a-z_]*\)$/  \1.c/p' <<<"$loop" | sort -u >&2
		rc=1
	fi
	[ $rc = 0 ] || continue
	say "$dir: $(wc -w <<<"$objs") files, $(wc -l <<<"$edges") uses across files; layers, bottom first:"
	# layer = 1 + the highest layer used, 0 for a file that uses none
	awk -v objs="$objs" '
		{ use[$1] = use[$1] " " $2 }
		END {
			n = split(objs, o, " ")
			for (i = 1; i <= n; i++) { f = o[i]; sub(/\.o$/, "", f); lv[f] = 0; all[i] = f }
			for (pass = 0; pass < n; pass++)
				for (f in use) {
					m = split(use[f], u, " ")
					for (k = 1; k <= m; k++)
						if (lv[u[k]] + 1 > lv[f]) lv[f] = lv[u[k]] + 1
				}
			top = 0
			for (f in lv) if (lv[f] > top) top = lv[f]
			for (l = 0; l <= top; l++) {
				line = ""
				for (i = 1; i <= n; i++) if (lv[all[i]] == l) line = line " " all[i] ".c"
				printf "  %d:%s\n", l, line
			}
		}' <<<"$down" >&2
	rm -f "$defs" "$uses"
	trap - EXIT
done
exit $rc
