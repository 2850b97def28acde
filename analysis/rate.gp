# rate.gp - the rate of a time series over time, one line per group; for
# `usnsim plot rate`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per group (two blank lines
#                 between blocks); columns: label, time, rate
#   nlines        number of blocks; titles[1..nlines] their labels
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   logx, logy    1 for a logarithmic axis
#   theory        '' or a gnuplot expression in x drawn as a dashed line
#                 (usnsim plot sets it only for kinds that take --theory)
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.

set datafile separator "\t"
set border 3 lw 1
set tics nomirror out scale 0.5
set grid lw 0.5 lc rgb "#d9d9d9" dt 3
set key outside right top vertical Left reverse samplen 2 spacing 1.1 \
	noautotitle
if (strlen(keytitle) > 0) { set key title keytitle left }
if (strlen(plottitle) > 0) { set title plottitle }
set xlabel xlabel
set ylabel ylabel
set xrange [*:*] noextend
set yrange [0:*]
if (logx) { set logscale x }
if (logy) { set logscale y; set yrange [*:*]; set format y "%g" }
set linetype 1 lc rgb "#0072B2" lw 1.5
set linetype 2 lc rgb "#D55E00" lw 1.5
set linetype 3 lc rgb "#009E73" lw 1.5
set linetype 4 lc rgb "#CC79A7" lw 1.5
set linetype 5 lc rgb "#E69F00" lw 1.5
set linetype 6 lc rgb "#56B4E9" lw 1.5
set linetype 7 lc rgb "#882255" lw 1.5
set linetype 8 lc rgb "#999933" lw 1.5
set linetype 9 lc rgb "#332288" lw 1.5
set linetype 10 lc rgb "#44AA99" lw 1.5
set linetype cycle 10

plot for [i=1:nlines] datafile index (i - 1) using 2:3 \
	with lines lt i title (nlines > 1 ? titles[i] : "")
