# bench/bypass-lab03.sh — lab03's TLB experiment: ns per random read on 4 KiB vs
# 2 MiB pages, for several region sizes. Sourced by bench/run.
# Writes $OUT/tlb.csv (pages,size_mib,ns_per_access), tlb.png/svg and a report section.

bench_tlb() {
	[ -n "${METHOD_SUFFIX:-}" ] && return   # an experiment on the machine, measured once
	local tlb="$KIT_BUILD/$from/lab03/tlb"
	if [ ! -x "$tlb" ]; then
		SKIPPED+=("lab03 TLB experiment: $tlb was not built")
		return
	fi
	if [ "$(id -u)" != 0 ]; then
		SKIPPED+=("lab03 TLB experiment: hugepages need root")
		return
	fi
	local sizes="16 256"
	[ "$mode" = thorough ] && sizes="4 16 64 256 1024"
	echo "pages,size_mib,ns_per_access" >"$OUT/tlb.csv"
	local size
	for size in $sizes; do
		local log="$OUT/runs/tlb-$size.log"
		progress "  lab03 TLB experiment: $size MiB region"
		if ! "$tlb" --size "$size" --accesses 2000000 --runs "$RUNS" --cpu 1 >"$log" 2>&1; then
			BENCH_ERRORS+=("lab03 tlb --size $size failed (see $log)")
			continue
		fi
		grep '^RESULT ' "$log" | while read -r line; do
			local pages ns
			pages=$(echo "$line" | tr ' ' '\n' | sed -n 's/^pages=//p')
			ns=$(echo "$line" | tr ' ' '\n' | sed -n 's/^ns_per_access=//p')
			echo "$pages,$size,$ns" >>"$OUT/tlb.csv"
		done
	done
	[ "$(wc -l <"$OUT/tlb.csv")" -gt 1 ] || return
	for p in 4k 2m; do
		echo "# $p pages"
		awk -F, -v p="$p" '$1 == p { print $2 "\t" $3 }' "$OUT/tlb.csv"
		printf '\n\n'
	done >"$OUT/tlb.dat"
	gnuplot -e "datafile='$OUT/tlb.dat'; outbase='$OUT/tlb'" "$BENCH_DIR/plots/tlb.gp" \
		2>>"$OUT/gnuplot.log"
	mkdir -p "$OUT/sections"
	{
		echo "## Lab 03: what the page size costs"
		echo
		echo "![ns per random read, 4 KiB vs 2 MiB pages](tlb.png)"
		echo
		echo "Dependent random 8-byte reads over a region (lab03's \`tlb\`, median of $RUNS runs):"
		echo
		echo "| region (MiB) | 4 KiB pages (ns/read) | 2 MiB pages (ns/read) |"
		echo "|---|---|---|"
		for size in $sizes; do
			local a b
			a=$(awk -F, -v s="$size" '$1 == "4k" && $2 == s { print $3 }' "$OUT/tlb.csv")
			b=$(awk -F, -v s="$size" '$1 == "2m" && $2 == s { print $3 }' "$OUT/tlb.csv")
			echo "| $size | ${a:--} | ${b:--} |"
		done
		echo
		echo "Once the region outgrows what the TLB covers with 4 KiB pages (a few MiB), every"
		echo "read also pays a page-table walk; 2 MiB pages cover 512 times more per entry and"
		echo "walk one level less. Packet buffers and rings live on hugepages for this reason."
		echo
	} >"$OUT/sections/30-tlb.md"
}

bench_tlb
