# reference.awk — turn one solution file into the reference a student reads.
#
# The markers are those of tools/skelgen.awk. In the reference:
#   /* TODO k: ... */         the task text of block k is removed: the comment that
#                             opens with "TODO k" and comes before BEGIN SOLUTION k
#                             (a few lines of code may sit between the two; they stay)
#   // BEGIN SOLUTION k       removed; the solution code after it is kept
#   // PLACEHOLDER k ...      removed, with the commented-out placeholder after it
#   // END SOLUTION k         removed
# Every other line, and every other comment (the "why" comments), is copied unchanged.
# A TODO comment that no BEGIN SOLUTION of its number follows is kept: tools/reference
# --check reports it. Variable: src = the file name, for errors.

function fail(msg) {
	printf("reference: %s:%d: %s\n", src, NR, msg) > "/dev/stderr"
	failed = 1
	exit 1
}

# Print what was held back: the TODO comment (unless drop) and the code after it.
function flush(drop,   i) {
	if (!drop)
		for (i = 1; i <= ntodo; i++)
			print todo[i]
	for (i = 1; i <= ncode; i++)
		print code[i]
	ntodo = ncode = 0
	todo_block = ""
}

BEGIN {
	state = "copy"      # copy | todo (inside a TODO comment) | solution | placeholder
	ntodo = ncode = 0
	todo_block = ""     # number of the TODO comment held back, "" = none
	begin_re = "^[ \t]*// BEGIN SOLUTION [0-9]+[ \t]*$"
	place_re = "^[ \t]*// PLACEHOLDER [0-9]+[ \t]*$"
	end_re = "^[ \t]*// END SOLUTION [0-9]+[ \t]*$"
	todo_re = "^[ \t]*/\\* TODO [0-9]+"
}

{
	if (state == "todo") {
		todo[++ntodo] = $0
		if (index($0, "*/"))
			state = "copy"
		next
	}
	if ($0 ~ begin_re) {
		if (state != "copy")
			fail("BEGIN SOLUTION inside block " block " (blocks do not nest)")
		block = $NF + 0
		flush(todo_block != "" && todo_block + 0 == block)
		state = "solution"
		next
	}
	if ($0 ~ place_re) {
		if (state != "solution" || $NF + 0 != block)
			fail("PLACEHOLDER " $NF " without BEGIN SOLUTION " $NF)
		state = "placeholder"
		next
	}
	if ($0 ~ end_re) {
		if ((state != "solution" && state != "placeholder") || $NF + 0 != block)
			fail("END SOLUTION " $NF " without BEGIN SOLUTION " $NF)
		state = "copy"
		next
	}
	if (state == "placeholder")
		next
	if (state == "copy" && $0 ~ todo_re) {
		flush(0)
		todo_block = $0
		sub(/^[ \t]*\/\* TODO /, "", todo_block)
		todo_block = todo_block + 0
		todo[++ntodo] = $0
		if (!index($0, "*/"))
			state = "todo"
		next
	}
	if (todo_block != "" && state == "copy") {   # code between a TODO and its BEGIN
		code[++ncode] = $0
		next
	}
	print
}

END {
	if (failed)
		exit 1
	if (state == "solution" || state == "placeholder")
		fail("file ends inside block " block " (missing END SOLUTION " block ")")
	flush(0)
}
