# cycles.gp — CPU cycles per packet of the receiving side, per stage.
# Input: label  cycles  color
# Variables: datafile, outbase, title_text
set datafile separator "\t"
set style fill solid 0.8 border -1
set boxwidth 0.6
set logscale y
set ylabel "cycles per packet (receiver, log scale)"
set xtics rotate by -35 left noenhanced
set grid ytics
set key off
set title title_text noenhanced
set bmargin 12
set rmargin 20
set linetype 1 lc rgb "#4c72b0"
set linetype 2 lc rgb "#dd8452"
set linetype 3 lc rgb "#55a868"
plot_cmd = "plot datafile using 0:2:3:xtic(1) with boxes lc variable, '' using 0:($2*1.2):(sprintf('%.3g', $2)) with labels font ',8'"
set terminal pngcairo size 1300,720 font ",10"
set output outbase.".png"
eval(plot_cmd)
set terminal svg size 1300,720 font ",10"
set output outbase.".svg"
eval(plot_cmd)
