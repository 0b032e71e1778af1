# ringcmp.gp — lab06's ring beside DPDK's rte_ring: M elements/s per cell, log scale.
# Input (datafile): label  kit  kit_min  kit_max  rte  rte_min  rte_max  (NaN: not measured)
# Variables: datafile, outbase
set datafile separator "\t"
set datafile missing "NaN"
set style fill solid 0.8 border -1
set boxwidth 0.36
set logscale y
set yrange [1:*]
set ylabel "million elements per second (log scale)"
set xtics noenhanced
set xrange [-0.6:*]
set grid ytics
set key top left noenhanced
set title "Lab 06's ring and DPDK's rte_ring: 1 producer (CPU 0), 1 consumer (CPU 1), median and min-max" noenhanced
set linetype 1 lc rgb "#dd8452"
set linetype 2 lc rgb "#4c72b0"
plot_cmd = "plot datafile using 0:2:xtic(1) with points ps 0 notitle, " . \
	"'' using ($0-0.19):2 with boxes lt 1 title \"lab06's ring\", " . \
	"'' using ($0+0.19):5 with boxes lt 2 title \"DPDK rte_ring\", " . \
	"'' using ($0-0.19):2:3:4 with yerrorbars lc rgb 'black' pt 0 notitle, " . \
	"'' using ($0+0.19):5:6:7 with yerrorbars lc rgb 'black' pt 0 notitle, " . \
	"'' using ($0-0.19):($4*1.15):(sprintf('%.3g', $2)) with labels font ',8' notitle, " . \
	"'' using ($0+0.19):($7*1.15):(sprintf('%.3g', $5)) with labels font ',8' notitle"
set terminal pngcairo size 1100,600 font ",10"
set output outbase.".png"
eval(plot_cmd)
set terminal svg size 1100,600 font ",10"
set output outbase.".svg"
eval(plot_cmd)
