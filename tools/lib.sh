# tools/lib.sh — shell helpers shared by the kit's scripts (sourced, not run).

# The repository's top directory.
KIT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT_BUILD=${BUILD:-$KIT_TOP/build}

# Variables given to the top `make` (make grade LAB=04) travel to every sub-make in
# MAKEFLAGS and would override the labs' own settings: the kit's scripts call make
# with exactly the variables they mean.
unset MAKEFLAGS MAKEOVERRIDES MFLAGS MAKELEVEL

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

# A lab number as the user typed it (4, 04, lab04, lab04-descriptor-rings) -> "04";
# anything else stops the script with the list of labs.
kit_lab_arg() {
	local n=${1:-}
	n=${n#lab}
	n=${n%%-*}
	case "$n" in
	[0-9] | [0-9][0-9]) printf '%02d\n' "$((10#$n))" ;;
	*) kit_die "'${1:-}' is not a lab number: use LAB=NN, one of $(kit_labs | sed 's/^lab\([0-9]*\)-.*/\1/' | tr '\n' ' ')" ;;
	esac
}

# The value of an option that takes one: kit_need_value --lab "$@" stops the script
# with a clear line when it is missing.
kit_need_value() {
	[ $# -ge 2 ] && [ -n "$2" ] || kit_die "$1 needs a value (see --help)"
}

# One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
kit_csv_field() {
	case "$1" in
	*[,\"$'\n'$'\r']*) printf '"%s"' "${1//\"/\"\"}" ;;
	*) printf '%s' "$1" ;;
	esac
}

kit_die() {
	echo "$(basename "$0"): $*" >&2
	exit 2
}
