# tools/lib.sh — shell helpers shared by the kit's scripts (sourced, not run).

# The repository's top directory.
KIT_TOP=$(cd "$(dirname "$0")/.." && pwd)
KIT_BUILD=${BUILD:-$KIT_TOP/build}

# All lab directories in order, e.g. "lab01-sockets lab02-uio-mmio".
kit_labs() {
	(cd "$KIT_TOP" && for d in lab0[0-9]-*; do [ -d "$d" ] && echo "$d"; done)
}

# The lab directory for a number: kit_lab_dir 04 -> lab04-descriptor-rings
kit_lab_dir() {
	(cd "$KIT_TOP" && for d in lab"$1"-*; do [ -d "$d" ] && echo "$d" && return 0; done; return 1)
}

# Lab number and name of a lab directory: lab04-descriptor-rings -> 04 / descriptor-rings
kit_lab_num() { echo "$1" | sed 's/^lab\([0-9]*\)-.*/\1/'; }
kit_lab_name() { echo "$1" | sed 's/^lab[0-9]*-//'; }

kit_die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}
