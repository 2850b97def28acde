# percentile.gp - a statistic against a swept parameter, one line per
# group, with 95% confidence intervals as error bars; for
# `usnsim plot percentile`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per line (two blank lines
#                 between blocks); columns: label, x, y, ci, n
#   nlines        number of blocks; titles[1..nlines] their key entries
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   theory        a gnuplot expression in x in the plotted units, or ''
#   theory_title  its key entry
#   logx, logy    1 for a logarithmic axis
#   hasymin, ymin, hasymax, ymax   --ymin, --ymax in the plotted unit
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
set key top left Left reverse samplen 2 spacing 1.1 noautotitle
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
set offsets graph 0.03, graph 0.03, 0, 0
set yrange [0:*]
# On a log axis, label every decade.
if (logx) {
	set logscale x
	set xtics ()
	do for [e=-3:12] { set xtics add (10.0**e) }
	if (xfew) {
		do for [e=-3:12] { set xtics add (2 * 10.0**e, 5 * 10.0**e) }
	}
}
if (logy) { set logscale y; set yrange [*:*]; set format y "%g" }
# A missing interval (a single run) draws no error bar.
# (valid(4) ? $4 : 0): the half-width, 0 where it is NaN (gnuplot skips a
# point whose expression reads a NaN column, so it is tested first)
# When every value lies in the upper half of a linear axis from 0, the key
# (top left) would sit on the lines: raise the top of the axis so that the
# key's rows fit above the highest error bar.
# The key spans about the left 45% of the plot: so also when a point
# there reaches above its lowest row.
if (!logy && !keyout) {
	stats datafile using ($3 + (valid(4) ? $4 : 0)) nooutput
	top = STATS_max
	vmin = STATS_min
	rows = nlines + (strlen(keytitle) > 0) + (strlen(theory) > 0)
	keyfrac = 1 - 0.065 * rows - 0.03
	stats datafile using 2 nooutput
	xcut = logx ? exp(log(STATS_min) + 0.45 * (log(STATS_max) - log(STATS_min))) \
		    : STATS_min + 0.45 * (STATS_max - STATS_min)
	stats datafile using ($2 <= xcut ? $3 + (valid(4) ? $4 : 0) : NaN) nooutput
	lefttop = STATS_records > 0 ? STATS_max : 0
	if (top > 0 && (vmin > 0.5 * top || lefttop > keyfrac * top)) {
		set yrange [0:top / keyfrac]
	}
}
# Ten colours told apart also in grey and by colour-blind readers (Okabe
# and Ito, then Tol's muted scheme), each with its own point type.
set linetype 1 lc rgb "#0072B2" lw 1.5 pt 7 ps 0.5
set linetype 2 lc rgb "#D55E00" lw 1.5 pt 5 ps 0.5
set linetype 3 lc rgb "#009E73" lw 1.5 pt 9 ps 0.6
set linetype 4 lc rgb "#CC79A7" lw 1.5 pt 13 ps 0.6
set linetype 5 lc rgb "#E69F00" lw 1.5 pt 11 ps 0.6
set linetype 6 lc rgb "#56B4E9" lw 1.5 pt 6 ps 0.5
set linetype 7 lc rgb "#882255" lw 1.5 pt 4 ps 0.5
set linetype 8 lc rgb "#999933" lw 1.5 pt 8 ps 0.5
set linetype 9 lc rgb "#332288" lw 1.5 pt 10 ps 0.5
set linetype 10 lc rgb "#44AA99" lw 1.5 pt 12 ps 0.5
set linetype cycle 10

# --facet: one panel per value (facettitles[f]; the parameter's name in
# facethead if the titles leave it out) holding the lines
# ffirst[f] .. flast[f], in a grid, the panels sharing both axes: one x
# label under the grid, one y label left of it, tick labels on the left
# column and the bottom row only; one key for all the panels, right of
# the grid, an entry per style (linestyle[i] of line i).
if (nfacets > 1) {
	stats datafile using 2 nooutput
	fx0 = STATS_min; fx1 = STATS_max
	stats datafile using ($3 + (valid(4) ? $4 : 0)) nooutput
	fy1 = STATS_max
	stats datafile using ($3 - (valid(4) ? $4 : 0)) nooutput
	fy0 = STATS_min
	if (logx) { fd = (fx1 / fx0) ** 0.04; set xrange [fx0 / fd:fx1 * fd] } \
	else { fd = 0.04 * (fx1 - fx0); set xrange [fx0 - fd:fx1 + fd] }
	if (logy) {
		stats datafile using ($3 > 0 ? $3 : NaN) nooutput
		set yrange [STATS_min / 1.2:fy1 * 1.2]
	} else {
		set yrange [(fy0 < 0 ? fy0 - 0.05 * (fy1 - fy0) : 0):fy1 + 0.05 * abs(fy1)]
	}
	if (hasymin) { set yrange [ymin:] }
	if (hasymax) { set yrange [:ymax] }
	set offsets 0, 0, 0, 0
	keyw = 0
	do for [s=1:nstyles] { keyw = strlen(styletitles[s]) > keyw ? strlen(styletitles[s]) : keyw }
	keyw = strlen(keytitle) > keyw + 6 ? keyw + 6 : (strlen(keytitle) > keyw ? strlen(keytitle) : keyw)
	kfrac = (nstyles > 1) ? (keyw + 5) * 0.016 : 0
	kfrac = kfrac > 0.3 ? 0.3 : kfrac
	ncol = nfacets <= 3 ? nfacets : int(ceil(sqrt(nfacets)))
	nrow = int(ceil(1.0 * nfacets / ncol))
	gl = 0.14; gr = 0.985 - kfrac; gb = 0.2; gt = strlen(plottitle) > 0 ? 0.88 : 0.97
	# the parameter's name once above the grid, when the panels show only
	# its values (facethead)
	if (strlen(facethead) > 0) { gt = gt - 0.06 }
	pw = (gr - gl) / ncol; ph = (gt - gb) / nrow
	# on a linear x axis, at most about 40 characters of tick labels
	# across a panel's width (a full plot's is 0.85 of the figure): a
	# step of 1, 2 or 5 times a power of ten
	if (!logx) {
		xstep = (fx1 - fx0) / (pw / 0.85 * 40 / 4.5)
		if (xstep > 0) {
			xdec = 10.0 ** floor(log10(xstep))
			xstep = xstep <= 1.5 * xdec ? xdec : (xstep <= 3.5 * xdec ? 2 * xdec : (xstep <= 7.5 * xdec ? 5 * xdec : 10 * xdec))
			set xtics xstep
		}
	}
	# on a log axis, decades only once a panel is narrow
	if (logx && pw < 0.45) {
		set xtics ()
		do for [e=-3:12] { set xtics add (10.0**e) }
	}
	set multiplot title plottitle
	unset title; unset key; unset xlabel; unset ylabel
	do for [f=1:nfacets] {
		col = (f - 1) % ncol; row = (f - 1) / ncol
		set lmargin at screen gl + col * pw + 0.015
		set rmargin at screen gl + (col + 1) * pw - 0.015
		set tmargin at screen gt - row * ph - 0.07
		set bmargin at screen gt - (row + 1) * ph + 0.02
		set label 1 facettitles[f] at graph 0.5, graph 1.03 center front
		if (col == 0) { set format y "%g" } else { set format y "" }
		if (f + ncol > nfacets) { set format x "%g" } else { set format x "" }
		if (ffirst[f] > 0) {
			plot for [i=ffirst[f]:flast[f]] datafile index (i - 1) \
				using 2:3:((valid(4) ? $4 : 0)) with yerrorlines lt linestyle[i] notitle
		} else {
			plot NaN notitle
		}
	}
	unset label 1
	# the axis labels and the key, drawn with an empty plot right of
	# the grid
	set label 2 xlabel at screen (gl + gr) / 2, screen 0.03 center
	set label 3 ylabel at screen 0.035, screen (gb + gt) / 2 center rotate by 90 front
	if (strlen(facethead) > 0) { set label 4 facethead at screen (gl + gr) / 2, screen gt + 0.02 center }
	unset border; unset tics; unset grid
	unset logscale; set xrange [0:1]; set yrange [0:1]
	if (kfrac > 0) {
		set lmargin at screen gr + 0.01; set rmargin at screen 0.995
		set tmargin at screen gt - 0.07; set bmargin at screen gb
		# inside the empty plot (an earlier 'outside' would put it
		# left of it, over the panels)
		set key inside top left Left reverse samplen 2 spacing 1.1
		if (strlen(keytitle) > 0) { set key title keytitle left }
		plot for [s=1:nstyles] NaN with linespoints lt s title styletitles[s]
	} else {
		unset key
		plot NaN notitle
	}
	unset multiplot
	exit
}


# --ymin, --ymax: the y range the figure asks for
if (hasymin) { set yrange [ymin:] }
if (hasymax) { set yrange [:ymax] }

# With a closed form, the simulated points stand alone and the theory is
# the line through them.
if (strlen(theory) > 0) {
	eval "th(x) = " . theory
	# drawn over the range of the data only (xmin, xmax: above)
	set samples 400
	plot for [i=1:nlines] datafile index (i - 1) using 2:3:((valid(4) ? $4 : 0)) \
		with yerrorbars lt i title titles[i], \
	     [x=xmin:xmax] th(x) with lines lc rgb "#000000" lw 1 title theory_title
} else {
	plot for [i=1:nlines] datafile index (i - 1) using 2:3:((valid(4) ? $4 : 0)) \
		with yerrorlines lt i title titles[i]
}
