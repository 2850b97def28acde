# xy.gp - one metric against another, a point per value of the --order
# parameter, the points of a group joined in that order, with 95%
# confidence intervals as error bars on both axes; for `usnsim plot xy`.
#
# usnsim plot sets the terminal and output, then these variables:
#   datafile      tab-separated data: one block per line (two blank lines
#                 between blocks); columns: label, x, y, ci (of y), xci
#                 (of x), n, the --order value
#   nlines        number of blocks; titles[1..nlines] their key entries
#   xlabel, ylabel, plottitle, keytitle   texts ('' for none)
#   logx, logy    1 for a logarithmic axis
#   hasymin, ymin, hasymax, ymax   --ymin, --ymax (plotted unit)
#   pointlabels   1: each point labelled with its --order value
#   nfacets, facettitles[], ffirst[], flast[], linestyle[], nstyles,
#   styletitles[], facethead     --facet (see scalar.gp)
# Copy this file into ./analysis (or $USNSIM_ANALYSIS) to change it.

set datafile separator "\t"
set border 3 lw 1
set tics nomirror out scale 0.5
set grid lw 0.5 lc rgb "#d9d9d9" dt 3
set key top right Left reverse samplen 2 spacing 1.1 noautotitle
if (strlen(plottitle) > 0) { set title plottitle }
set xlabel xlabel
set ylabel ylabel
# The key: in the corner farthest from the points, the one whose quarter
# of the plot holds the fewest, when that quarter is empty or there are
# at most four entries; else (it would cover data) outside, right.
stats datafile using 2 nooutput
xlo = STATS_min; xhi = STATS_max
stats datafile using 3 nooutput
ylo = STATS_min; yhi = STATS_max
xm = logx && xlo > 0 ? sqrt(xlo * xhi) : (xlo + xhi) / 2
ym = logy && ylo > 0 ? sqrt(ylo * yhi) : (ylo + yhi) / 2
ntl = 0
stats datafile using (($2 <= xm && $3 >= ym) ? 1 : 0) nooutput
ntl = STATS_sum
ntr = 0
stats datafile using (($2 > xm && $3 >= ym) ? 1 : 0) nooutput
ntr = STATS_sum
nbl = 0
stats datafile using (($2 <= xm && $3 < ym) ? 1 : 0) nooutput
nbl = STATS_sum
nbr = 0
stats datafile using (($2 > xm && $3 < ym) ? 1 : 0) nooutput
nbr = STATS_sum
least = ntr
if (ntl < least) { least = ntl }
if (nbr < least) { least = nbr }
if (nbl < least) { least = nbl }
if (ntr == least) { set key top right } else { if (ntl == least) { set key top left } \
else { if (nbr == least) { set key bottom right } else { set key bottom left } } }
if ((nlines > 4 && least > 0) || nlines > 8) { set key outside right top }
# Both axes are metrics, each over the range of the data and its error
# bars, with a margin (a factor on a log axis); a linear axis starts at 0
# when the values are positive. On a log axis every decade is labelled,
# and 2 and 5 too when the data spans at most two decades.
stats datafile using ($2 - (valid(5) ? $5 : 0)) nooutput
fx0 = STATS_min
stats datafile using ($2 + (valid(5) ? $5 : 0)) nooutput
fx1 = STATS_max
stats datafile using ($3 - (valid(4) ? $4 : 0)) nooutput
fy0 = STATS_min
stats datafile using ($3 + (valid(4) ? $4 : 0)) nooutput
fy1 = STATS_max
# point labels stand right of their points: room for them at the right
xroom = pointlabels ? 0.12 : 0.04
if (logx) {
	stats datafile using ($2 - (valid(5) ? $5 : 0) > 0 ? $2 - (valid(5) ? $5 : 0) : NaN) nooutput
	lx0 = STATS_records > 0 ? STATS_min : fx1 / 10
	fd = fx1 / lx0
	set logscale x
	set format x "%g"
	set xtics ()
	do for [e=-4:12] { set xtics add (10.0**e) }
	if (fd <= 100) { do for [e=-4:12] { set xtics add (2 * 10.0**e, 5 * 10.0**e) } }
	set xrange [lx0 / fd ** 0.04:fx1 * fd ** xroom]
} else {
	fd = fx1 - fx0
	set xrange [(fx0 >= 0 ? 0 : fx0 - 0.04 * fd):fx1 + xroom * fd]
}
if (logy) {
	stats datafile using ($3 - (valid(4) ? $4 : 0) > 0 ? $3 - (valid(4) ? $4 : 0) : NaN) nooutput
	ly0 = STATS_records > 0 ? STATS_min : fy1 / 10
	fd = fy1 / ly0
	set logscale y
	set format y "%g"
	set ytics ()
	do for [e=-4:12] { set ytics add (10.0**e) }
	if (fd <= 100) { do for [e=-4:12] { set ytics add (2 * 10.0**e, 5 * 10.0**e) } }
	set yrange [ly0 / fd ** 0.04:fy1 * fd ** 0.04]
} else {
	fd = fy1 - fy0
	set yrange [(fy0 >= 0 ? 0 : fy0 - 0.04 * fd):fy1 + 0.04 * fd]
}
if (hasymin) { set yrange [ymin:] }
if (hasymax) { set yrange [:ymax] }
if (strlen(keytitle) > 0) { set key title keytitle left }

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

# (valid(4) ? $4 : 0): a half-width, 0 where it is NaN (a single run):
# no error bar.
if (nfacets > 1) {
	# one panel per value, in a row (or a grid), sharing both axes
	ncol = nfacets <= 3 ? nfacets : int(ceil(sqrt(nfacets)))
	nrow = int(ceil(1.0 * nfacets / ncol))
	keyw = 0
	do for [s=1:nstyles] { keyw = strlen(styletitles[s]) > keyw ? strlen(styletitles[s]) : keyw }
	kfrac = (nstyles > 1) ? (keyw + 5) * 0.016 : 0
	kfrac = kfrac > 0.3 ? 0.3 : kfrac
	gl = 0.14; gr = 0.985 - kfrac; gb = 0.2; gt = strlen(plottitle) > 0 ? 0.88 : 0.97
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
	# the panels share the ranges set above
	set offsets 0, 0, 0, 0
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
		if (ffirst[f] > 0 && pointlabels) {
			plot for [i=ffirst[f]:flast[f]] datafile index (i - 1) \
				using 2:3:((valid(5) ? $5 : 0)):((valid(4) ? $4 : 0)) \
				with xyerrorlines lt linestyle[i] notitle, \
			     for [i=ffirst[f]:flast[f]] datafile index (i - 1) using 2:3:7 \
				with labels left offset char 0.6, char 0.4 font ",7" \
				tc rgb "#555555" notitle
		} else { if (ffirst[f] > 0) {
			plot for [i=ffirst[f]:flast[f]] datafile index (i - 1) \
				using 2:3:((valid(5) ? $5 : 0)):((valid(4) ? $4 : 0)) \
				with xyerrorlines lt linestyle[i] notitle
		} else {
			plot NaN notitle
		} }
	}
	unset label 1
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

if (pointlabels) {
	plot for [i=1:nlines] datafile index (i - 1) \
		using 2:3:((valid(5) ? $5 : 0)):((valid(4) ? $4 : 0)) \
		with xyerrorlines lt i title titles[i], \
	     for [i=1:nlines] datafile index (i - 1) using 2:3:7 \
		with labels left offset char 0.6, char 0.4 font ",7" \
		tc rgb "#555555" notitle
} else {
	plot for [i=1:nlines] datafile index (i - 1) \
		using 2:3:((valid(5) ? $5 : 0)):((valid(4) ? $4 : 0)) \
		with xyerrorlines lt i title titles[i]
}
