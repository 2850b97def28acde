# cdf.gp - cumulative distributions, one line per group; for
# `usnsim plot cdf`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per line (two blank lines
#                 between blocks); columns: label, x, fraction below x
#   nlines        number of blocks; titles[1..nlines] their key entries
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   theory        a gnuplot expression in x (a CDF in the plotted units),
#                 or ''
#   theory_title  its key entry
#   logx, logy    1 for a logarithmic axis
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.

set datafile separator "\t"
# On a log x axis, 2 and 5 of every decade are labelled too when the data
# spans at most three decades (beyond, their labels would run into each
# other): the spread is taken here, before any axis range is set.
xfew = 0
if (logx) {
	stats datafile using ($2 > 0 ? $2 : NaN) nooutput
	xfew = STATS_records > 0 && STATS_max <= 1000 * STATS_min
}
# The x range of the data, taken before any axis range is set (a closed
# form is drawn over it only).
if (strlen(theory) > 0) {
	stats datafile using 2 nooutput
	xmin = STATS_min
	xmax = STATS_max
}
set border 3 lw 1
set tics nomirror out scale 0.5
set grid lw 0.5 lc rgb "#d9d9d9" dt 3
set key bottom right Left reverse samplen 2 spacing 1.1 noautotitle
# More than four entries would cover the data: the key goes right of
# the plot.
keyout = nlines > 4
if (keyout) { set key outside right top }
# Wide entries would leave the plot no room beside the key: below the
# plot instead, in as many columns as fit (usnsim plot breaks a long key
# title into lines).
keywide = 0
do for [i=1:nlines] { keywide = strlen(titles[i]) > keywide ? strlen(titles[i]) : keywide }
if (keyout && keywide > 24) { set key outside below center horizontal maxrows 4 }
if (strlen(keytitle) > 0) { set key title keytitle left }
if (strlen(plottitle) > 0) { set title plottitle }
set xlabel xlabel
set ylabel ylabel
set xrange [*:*] noextend
set yrange [0:1]
set ytics 0.2 format "%.1f"
# On a log axis, label every decade.
if (logx) {
	set logscale x
	set xtics ()
	do for [e=-3:12] { set xtics add (10.0**e) }
	if (xfew) {
		do for [e=-3:12] { set xtics add (2 * 10.0**e, 5 * 10.0**e) }
	}
}
if (logy) { set logscale y; set yrange [*:1]; set ytics auto }
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

if (strlen(theory) > 0) {
	eval "th(x) = " . theory
	# drawn over the range of the data only (xmin, xmax: above)
	set samples 400
	plot for [i=1:nlines] datafile index (i - 1) using 2:3 \
		with lines lt i title titles[i], \
	     [x=xmin:xmax] th(x) with lines lc rgb "#000000" lw 1 dt 2 title theory_title
} else {
	plot for [i=1:nlines] datafile index (i - 1) using 2:3 \
		with lines lt i title titles[i]
}
