# A style for nnlab's charts: larger text and thicker lines, as a figure
# in a paper or a slide wants them. nnlab loads the file that
# NNLAB_CHART_STYLE names after it sets each terminal (PNG, SVG, PDF), so
# anything here overrides its defaults:
#
#   NNLAB_CHART_STYLE=configs/chart-style.gp nnlab run configs/nielsen-ch1.yaml
#   gnuplot -e "style='/path/to/chart-style.gp'" accuracy.gp   (by hand)
#
# Copy it, edit it, point NNLAB_CHART_STYLE at the copy. Whatever gnuplot
# accepts goes: fonts, line widths, colours, grid, borders.

# Text: the font and its size in points (a PDF page is 9 x 5.6 inches).
set termoption font 'sans,12'

# Lines: wider by a factor for every line drawn.
set termoption linewidth 1.5

# A lighter grid behind the data.
set grid lc rgb '#dddddd' lw 1 dt 1
