# batch.gp — ns of CPU per packet against batch (burst) size, one line per
# method: busy cycles for the bypass path, service demand for the kernel's.
# Input: blocks separated by two blank lines, each "batch<TAB>ns<TAB>min<TAB>max",
# first line of a block a header naming the method.
# Variables: datafile, outbase, title_text, nseries
set datafile separator "\t"
set logscale x 2
set logscale y
set xlabel "batch / burst size (packets per system call or per tail write)"
set ylabel "ns of CPU per packet (log scale, lower is better)"
set grid
set key outside right noenhanced
set title title_text noenhanced
plot_cmd = "plot for [i=0:nseries-1] datafile index i using 1:2:3:4 with yerrorlines title columnheader(1)"
set terminal pngcairo size 1100,600 font ",10"
set output outbase.".png"
eval(plot_cmd)
set terminal svg size 1100,600 font ",10"
set output outbase.".svg"
eval(plot_cmd)
