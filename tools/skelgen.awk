# skelgen.awk — turn one reference solution file into the student's skeleton.
#
# A solution marks each piece the student writes like this:
#
#     /* TODO 3: what to do ...
#      * Hint: ...            (the comment stays in the skeleton)
#      */
#     // BEGIN SOLUTION 3
#     ... the reference code (removed from the skeleton) ...
#     // PLACEHOLDER 3
#     // return -ENOSYS;      (un-commented into the skeleton so it compiles)
#     // END SOLUTION 3
#
# Variables: solved = N keeps the solution of every block numbered below N
# (for a student who wants to resume at TODO N); missing = K keeps the solution of
# every block but K (the leave-one-out proof: tools/todo-check --leave-one-out);
# src = the file name, for errors;
# template = 1 writes one line "<TAB>@TODO k@" where each block's code goes (what
# tools/stage matches a student's header against).
# Everything outside the markers is copied unchanged.

function fail(msg) {
	printf("skelgen: %s:%d: %s\n", src, NR, msg) > "/dev/stderr"
	failed = 1
	exit 1
}

# Is block b's solution kept?
function kept(b) {
	return missing != "" ? b != missing : b < solved
}

BEGIN {
	state = "copy"      # copy | solution | placeholder
	block = 0
	if (solved == "")
		solved = 0
}

/^[ \t]*\/\/ BEGIN SOLUTION [0-9]+[ \t]*$/ {
	if (state != "copy")
		fail("BEGIN SOLUTION inside block " block " (blocks do not nest)")
	block = $NF + 0
	state = "solution"
	next
}

/^[ \t]*\/\/ PLACEHOLDER [0-9]+[ \t]*$/ {
	if (state != "solution" || $NF + 0 != block)
		fail("PLACEHOLDER " $NF " without BEGIN SOLUTION " $NF)
	state = "placeholder"
	next
}

/^[ \t]*\/\/ END SOLUTION [0-9]+[ \t]*$/ {
	if (state == "copy" || $NF + 0 != block)
		fail("END SOLUTION " $NF " without BEGIN SOLUTION " $NF)
	state = "copy"
	if (template == 1)
		print "\t@TODO " block "@"
	next
}

state == "solution" {
	if (kept(block) && template != 1)
		print
	next
}

state == "placeholder" {
	if (kept(block) || template == 1)
		next
	line = $0
	if (match(line, /^[ \t]*\/\/ ?/) == 0)
		fail("placeholder lines must be commented out with //")
	indent = line
	sub(/\/\/.*$/, "", indent)
	rest = substr(line, RLENGTH + 1)
	print indent rest
	next
}

{ print }

END {
	if (!failed && state != "copy")
		fail("file ends inside block " block " (missing END SOLUTION " block ")")
}
