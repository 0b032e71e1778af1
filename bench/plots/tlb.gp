# tlb.gp — ns per dependent random read against region size, 4 KiB vs 2 MiB pages.
# Input: two blocks ("# 4k pages", "# 2m pages"), each "size_mib<TAB>ns".
# Variables: datafile, outbase
set datafile separator "\t"
set logscale x 2
set xlabel "region size (MiB, log scale)"
set ylabel "nanoseconds per random read"
set grid
set key top left
set title "Lab 03: random reads on 4 KiB vs 2 MiB pages"
plot_cmd = "plot datafile index 0 using 1:2 with linespoints lw 2 title '4 KiB pages', '' index 1 using 1:2 with linespoints lw 2 title '2 MiB hugepages'"
set terminal pngcairo size 900,550 font ",10"
set output outbase.".png"
eval(plot_cmd)
set terminal svg size 900,550 font ",10"
set output outbase.".svg"
eval(plot_cmd)
