# cpu.gp - stacked bars: CPU time per packet of each domain, one bar per
# group; for `usnsim plot cpu`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one row per bar; column 1 its label,
#                 columns 2..nlines+1 the domains (0 when absent)
#   nlines        number of domains; titles[1..nlines] their key entries
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
# The key beside the plot: stacked bars of CPU time are tall at every
# group, and a key inside would hide the first ones.
set key outside right top
if (strlen(plottitle) > 0) { set title plottitle }
set xlabel xlabel
set ylabel ylabel
set yrange [0:*]
if (logy) { set logscale y; set yrange [*:*]; set format y "%g" }
# Labels that would run into each other (about 50 characters fit across
# the plot) are turned.
stats datafile using (strlen(strcol(1))) nooutput
if (nbars > 10 || nbars * (STATS_max + 1.5) > 50) { set xtics rotate by 30 right }
set xrange [-0.6:nbars - 0.4]
set style data histograms
set style histogram rowstacked
set style fill solid 0.9 border rgb "#000000"
set boxwidth 0.7 relative
# Sixteen hues, each distinct from its neighbours in the stack (Okabe
# and Ito's eight, then Tol's muted and dark shades); the segment "other"
# (the stages too small to see, summed) is light grey.
array pal[16] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", \
	"#D55E00", "#F0E442", "#882255", "#117733", "#332288", "#DDCC77", \
	"#AA4499", "#8C510A", "#44AA99", "#999933", "#000000"]
segcolour(i) = titles[i] eq "other" ? "#D9D9D9" : pal[(i - 1) % 16 + 1]

plot for [i=1:nlines] datafile using (column(i + 1)):xtic(1) \
	lw 0.5 lc rgb segcolour(i) title titles[i]
