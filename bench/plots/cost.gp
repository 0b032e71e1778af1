# cost.gp — the headline: nanoseconds of CPU per packet for every stage, log
# scale, lower is better; each bar labelled with the Mpps one core could do.
# Input (datafile): label  ns  ns_min  ns_max  color(1 kernel, 2 bypass, 4 student)
# Variables: datafile, outbase, title_text
set datafile separator "\t"
set style fill solid 0.8 border -1
set boxwidth 0.6
set logscale y
set ylabel "ns of CPU per packet (log scale, lower is better)"
set xtics rotate by -35 left noenhanced
set grid ytics
set key off
set title title_text noenhanced
set bmargin 12
set rmargin 20
set linetype 1 lc rgb "#4c72b0"
set linetype 2 lc rgb "#dd8452"
set linetype 3 lc rgb "#55a868"
set linetype 4 lc rgb "#c44e52"
plot_cmd = "plot datafile using 0:2:5:xtic(1) with boxes lc variable, '' using 0:2:3:4 with yerrorbars lc rgb 'black' pt 0, '' using 0:($4*1.35):(sprintf('%.3g ns\n%.3g Mpps', $2, 1000/$2)) with labels font ',8'"
set terminal pngcairo size 1300,760 font ",10"
set output outbase.".png"
eval(plot_cmd)
set terminal svg size 1300,760 font ",10"
set output outbase.".svg"
eval(plot_cmd)
