#!/bin/sh
# check-layers.sh - fails when a file includes a header of a layer it may
# not see (docs/dev/architecture.md).
#
# The layers, bottom up, and what each may include besides itself:
#   sim/engine    (ns-3 binding in sim/engine/ns3)  nothing above it
#   models        engine
#   sim/scenario  engine, models (their parameter tables)
#   sim/results   engine, scenario
#   sim/run       engine, models, scenario, results
#   analysis      engine, scenario, results
#   sim/cli       everything
# A header is found by its name in the layer folders; system headers
# (<...>) are not checked. Run from the repository root.
set -u
layers="sim/engine sim/engine/ns3 models sim/scenario sim/results sim/run analysis sim/cli"

layer_of() { # folder of a header name, or "" if no layer has it
	for d in $layers; do
		[ -f "$d/$1" ] && { echo "$d"; return; }
	done
	echo ""
}

allowed() { # allowed FROM TO: may a file in FROM include a header in TO?
	[ "$1" = "$2" ] && return 0
	case "$1:$2" in
	sim/engine:sim/engine/ns3 | sim/engine/ns3:sim/engine) return 0 ;;
	models:sim/engine | models:sim/engine/ns3) return 0 ;;
	sim/scenario:sim/engine | sim/scenario:models) return 0 ;;
	sim/results:sim/engine | sim/results:sim/scenario) return 0 ;;
	sim/run:sim/engine | sim/run:sim/engine/ns3 | sim/run:models) return 0 ;;
	sim/run:sim/scenario | sim/run:sim/results) return 0 ;;
	analysis:sim/engine | analysis:sim/scenario | analysis:sim/results) return 0 ;;
	sim/cli:*) return 0 ;;
	esac
	return 1
}

bad=0
for d in $layers; do
	for f in "$d"/*.c "$d"/*.h "$d"/*.cc; do
		[ -f "$f" ] || continue
		for h in $(sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f"); do
			to=$(layer_of "$h")
			if [ -z "$to" ]; then
				case "$h" in
				usnsim_version.h) continue ;; # generated
				esac
				echo "$f: includes \"$h\", which is in no layer" >&2
				bad=1
			elif ! allowed "$d" "$to"; then
				echo "$f: includes \"$h\" ($to), which $d may not see" >&2
				bad=1
			fi
		done
	done
done
[ $bad -eq 0 ] && echo "check-layers: every include looks down"
exit $bad
