# SPDX-License-Identifier: GPL-2.0
# svmbench suite charts (make bench): gnuplot -e "dir='DIR'" charts.gp
# DIR holds x_min.dat, modeled_ms.dat and x_opt.dat from `svmbench suite --plot-dir DIR`:
# a header "case POLICY..." and one line per workload/ratio.
if (!exists("dir")) dir = '.'
n = words(system("head -n 1 '".dir."/x_min.dat'")) - 1
# twelve distinguishable colours; policies beyond that reuse them
colors = "#1b9e77 #d95f02 #7570b3 #e7298a #66a61e #e6ab02 #a6761d #666666 #1f78b4 #b2df8a #fb9a99 #000000"
set terminal pngcairo size 1400,600 font ',10' noenhanced
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set key outside right top
set xtics rotate by 45 right nomirror
set grid ytics
set logscale y

set output dir.'/faults_vs_min.png'
set title "Device faults as a multiple of Belady's MIN (log scale, lower is better; below 1: remote maps, see docs/bench.md)"
set ylabel 'faults / MIN'
plot for [i=2:n+1] dir.'/x_min.dat' using i:xtic(1) title columnheader(i) \
	lc rgb word(colors, (i - 2) % 12 + 1)

set output dir.'/modeled_ms.png'
set title 'Modeled device time (ms, log scale, lower is better)'
set ylabel 'ms'
plot for [i=2:n+1] dir.'/modeled_ms.dat' using i:xtic(1) title columnheader(i) \
	lc rgb word(colors, (i - 2) % 12 + 1)

set output dir.'/modeled_vs_opt.png'
set title "Modeled device time as a multiple of the cost model's optimum (log scale, lower is better; 1 = optimal)"
set ylabel 'modeled / OPT'
plot for [i=2:n+1] dir.'/x_opt.dat' using i:xtic(1) title columnheader(i) \
	lc rgb word(colors, (i - 2) % 12 + 1)
