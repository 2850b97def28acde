# domains.gp - a host's memory by domain over time: one colour per
# domain, one dash pattern per group; for `usnsim plot domains`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per group (two blank lines
#                 between blocks); columns: label, time, device, kernel,
#                 user, sockbuf
#   nlines        number of blocks; titles[1..nlines] their labels
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   logx, logy    1 for a logarithmic axis
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.
#
# The key sits right of the plot: one entry per domain (its colour), then
# one per group (its dash pattern). On a logarithmic y axis a zero is
# drawn on the bottom edge, as in memory.gp.

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
	lo = 1e300
	do for [c=3:6] {
		stats datafile using (column(c) > 0 ? column(c) : NaN) nooutput
		if (STATS_records > 0 && STATS_min < lo) { lo = STATS_min }
	}
	if (lo == 1e300) { lo = 1 }
	floor = 10.0**floor(log10(lo))
	set yrange [floor:*]
}
yv(v) = (logy && v <= 0) ? floor : v
array dname[4] = ["device memory", "kernel memory", "user memory", "socket buffers"]
array dcol[4] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]
# short regular dashes: long ones hide the short steps of a memory series
set dashtype 11 (6, 3)
set dashtype 12 (2, 3)
set dashtype 13 (6, 3, 2, 3)
dash(i) = i == 1 ? 1 : 9 + (i > 4 ? 4 : i)

plot for [i=1:nlines] for [d=1:4] datafile index (i - 1) \
	using 2:(yv(column(d + 2))) with lines lw 1.5 lc rgb dcol[d] \
	dt dash(i) notitle, \
     for [d=1:4] NaN with lines lw 1.5 lc rgb dcol[d] dt 1 title dname[d], \
     for [i=1:(nlines > 1 ? nlines : 0)] NaN with lines lw 1.5 \
	lc rgb "#000000" dt dash(i) title titles[i]
