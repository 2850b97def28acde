# breakdown.gp - stacked bars: the mean time of each stage, one bar per
# group; for `usnsim plot breakdown`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one row per bar; column 1 its label,
#                 columns 2..nlines+1 the stages (0 when absent)
#   nlines        number of stages; titles[1..nlines] their key entries
#   nbars         number of bars
#   xlabel, ylabel, plottitle   texts ('' for none)
#   logy          1 for a logarithmic y axis
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.

set datafile separator "\t"
set border 3 lw 1
set tics nomirror out scale 0.5
set xtics scale 0
set grid ytics lw 0.5 lc rgb "#d9d9d9" dt 3
# invert: the key lists the segments top down, as the bars stack them.
set key top left Left reverse samplen 1.5 spacing 1.1 noautotitle invert
# Many stages: the key beside the plot, where it hides no bar.
if (nlines > 8) { set key outside right top }
if (strlen(plottitle) > 0) { set title plottitle }
set xlabel xlabel
set ylabel ylabel
set yrange [0:*]
if (logy) { set logscale y; set yrange [*:*]; set format y "%g" }
if (nbars > 10) { set xtics rotate by 30 right }
set xrange [-0.6:nbars - 0.4]
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb "#000000"
set boxwidth 0.7 relative
set linetype 1 lc rgb "#0072B2" lw 0.5
set linetype 2 lc rgb "#E69F00" lw 0.5
set linetype 3 lc rgb "#009E73" lw 0.5
set linetype 4 lc rgb "#CC79A7" lw 0.5
set linetype 5 lc rgb "#56B4E9" lw 0.5
set linetype 6 lc rgb "#D55E00" lw 0.5
set linetype 7 lc rgb "#F0E442" lw 0.5
set linetype 8 lc rgb "#999999" lw 0.5
# More than 8 series (e.g. the 15 stages of an app with a stack):
# lighter and darker shades, so that no two series share a colour.
set linetype 9 lc rgb "#A6CEE3" lw 0.5
set linetype 10 lc rgb "#FDBF6F" lw 0.5
set linetype 11 lc rgb "#B2DF8A" lw 0.5
set linetype 12 lc rgb "#6A3D9A" lw 0.5
set linetype 13 lc rgb "#1F3A93" lw 0.5
set linetype 14 lc rgb "#8C510A" lw 0.5
set linetype 15 lc rgb "#FB9A99" lw 0.5
set linetype 16 lc rgb "#000000" lw 0.5
set linetype cycle 16

plot for [i=1:nlines] datafile using (column(i + 1)):xtic(1) \
	lt i title titles[i]
