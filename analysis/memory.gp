# memory.gp - memory in use (a shaded area) and reserved (a line) over
# time, one colour per group; for `usnsim plot memory`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per group (two blank lines
#                 between blocks); columns: label, time, in use, reserved
#   nlines        number of blocks; titles[1..nlines] their labels
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   logx, logy    1 for a logarithmic axis
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.
#
# The key sits right of the plot, so that it never hides a line: one entry
# per group (its colour), then one per style (in use, reserved). Both are
# step functions of the sampled time series: each value holds until the
# next sample, drawn as solid steps (a dashed line breaks up on the
# steps).
# On a logarithmic y axis a zero (nothing in use, nothing reserved) cannot
# be drawn: it is drawn a decade below the decade of the smallest value
# above zero, on a tick labelled 0, so that a line falls to a floor that
# reads as zero and stands apart from the smallest values.

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
floor = 0
if (logy) {
	set logscale y
	stats datafile using ($3 > 0 ? $3 : NaN) nooutput
	lo = STATS_records > 0 ? STATS_min : 1
	stats datafile using ($4 > 0 ? $4 : NaN) nooutput
	if (STATS_records > 0 && STATS_min < lo) { lo = STATS_min }
	floor = 10.0**(floor(log10(lo)) - 1)
	set yrange [floor:*]
	set format y "%g"
	set ytics add ("0" floor)
	set mytics 1
}
# the value drawn: zeros on the floor of a log axis
yv(v) = (logy && v <= 0) ? floor : v
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

# A single group needs no colour entry: its two styles say what they are.
grey = nlines > 1 ? "#000000" : "#0072B2"
set style fill transparent solid 0.25 noborder
plot for [i=1:nlines] datafile index (i - 1) using 2:(yv($3)) \
	with fillsteps lt i notitle, \
     for [i=1:nlines] datafile index (i - 1) using 2:(yv($4)) \
	with steps lt i title (nlines > 1 ? titles[i] : ""), \
     NaN with boxes lc rgb grey fs transparent solid 0.25 noborder title "in use", \
     NaN with lines lc rgb grey title "reserved"
