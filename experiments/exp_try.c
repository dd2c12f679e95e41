#include "exp_try.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "exp_fs.h"
#include "exp_html.h"

/* The page's script: the model's layers from either file format, the
 * forward pass (conv, max pooling, fc; sigmoid, tanh, relu, softmax;
 * dropout is the identity when scoring), MNIST's preprocessing of the
 * drawing (its bounding box fit into 20x20 pixels when larger, then
 * moved so its centre of mass is the image's centre) and the canvas. */
static const char *const script[] = {
	"<script>\n",
	"(function () {\n",
	"  var m = JSON.parse(document.getElementById('nnlab-model').textContent), N = 28, S = 10;\n",
	"  var F = { sigmoid: function (z) { return 1 / (1 + Math.exp(-z)); }, tanh: Math.tanh,\n",
	"            relu: function (z) { return z > 0 ? z : 0; } };\n",
	"  var net = [], input = m.input || [1, 28, 28], wi = 0;\n",
	"  if (m.sizes) m.weights.forEach(function (W, l) {\n",
	"    var last = l === m.weights.length - 1;\n",
	"    net.push({ kind: 'fc', act: last ? (m.output || 'sigmoid') : (m.activation || 'sigmoid'), W: W,\n",
	"               B: m.biases[l].map(function (r) { return r[0]; }) });\n",
	"  });\n",
	"  else m.layers.forEach(function (s) {\n",
	"    var p = s.split(' '), L = { kind: p[0], size: p[1], act: p[2] };\n",
	"    if (L.kind === 'conv' || L.kind === 'fc') { L.W = m.weights[wi]; L.B = m.biases[wi]; wi++; }\n",
	"    net.push(L);\n",
	"  });\n",
	"  function forward(x) {\n",
	"    var c = input[0], h = input[1], w = input[2], a = x;\n",
	"    net.forEach(function (L) {\n",
	"      var o, i, j, y, v, ch, s;\n",
	"      if (L.kind === 'conv') {\n",
	"        var maps = L.W.length, k = L.W[0][0].length, oh = h - k + 1, ow = w - k + 1;\n",
	"        o = new Float64Array(maps * oh * ow);\n",
	"        for (var q = 0; q < maps; q++) for (y = 0; y < oh; y++) for (v = 0; v < ow; v++) {\n",
	"          s = L.B[q];\n",
	"          for (ch = 0; ch < c; ch++) for (i = 0; i < k; i++) for (j = 0; j < k; j++)\n",
	"            s += L.W[q][ch][i][j] * a[(ch * h + y + i) * w + v + j];\n",
	"          o[(q * oh + y) * ow + v] = F[L.act](s);\n",
	"        }\n",
	"        a = o; c = maps; h = oh; w = ow;\n",
	"      } else if (L.kind === 'pool') {\n",
	"        var p = parseInt(L.size, 10), ph = Math.floor(h / p), pw = Math.floor(w / p);\n",
	"        o = new Float64Array(c * ph * pw);\n",
	"        for (ch = 0; ch < c; ch++) for (y = 0; y < ph; y++) for (v = 0; v < pw; v++) {\n",
	"          s = -Infinity;\n",
	"          for (i = 0; i < p; i++) for (j = 0; j < p; j++) s = Math.max(s, a[(ch * h + y * p + i) * w + v * p + j]);\n",
	"          o[(ch * ph + y) * pw + v] = s;\n",
	"        }\n",
	"        a = o; h = ph; w = pw;\n",
	"      } else if (L.kind === 'fc') {\n",
	"        o = new Float64Array(L.W.length);\n",
	"        for (i = 0; i < o.length; i++) {\n",
	"          s = L.B[i];\n",
	"          for (j = 0; j < L.W[i].length; j++) s += L.W[i][j] * a[j];\n",
	"          o[i] = s;\n",
	"        }\n",
	"        if (L.act === 'softmax') {\n",
	"          var top = Math.max.apply(null, o), sum = 0;\n",
	"          for (i = 0; i < o.length; i++) sum += (o[i] = Math.exp(o[i] - top));\n",
	"          for (i = 0; i < o.length; i++) o[i] /= sum;\n",
	"        } else for (i = 0; i < o.length; i++) o[i] = F[L.act](o[i]);\n",
	"        a = o; c = o.length; h = 1; w = 1;\n",
	"      }\n",
	"    });\n",
	"    return a;\n",
	"  }\n",
	"  var grid = new Float64Array(N * N), cv = document.getElementById('nnlab-canvas'), g = cv.getContext('2d');\n",
	"  var seen = document.getElementById('nnlab-seen').getContext('2d'), last = null, state = {};\n",
	"  function prepare() {\n",
	"    var x0 = N, y0 = N, x1 = -1, y1 = -1, x, y, i, j;\n",
	"    for (y = 0; y < N; y++) for (x = 0; x < N; x++) if (grid[y * N + x] > 0) {\n",
	"      x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);\n",
	"    }\n",
	"    if (x1 < 0) return null;\n",
	"    var bw = x1 - x0 + 1, bh = y1 - y0 + 1, f = Math.min(1, 20 / Math.max(bw, bh));\n",
	"    var img = new Float64Array(N * N), ow = Math.max(1, Math.round(bw * f)), oh = Math.max(1, Math.round(bh * f));\n",
	"    if (f === 1) img.set(grid);\n",
	"    else for (y = 0; y < oh; y++) for (x = 0; x < ow; x++) {\n",
	"      var sy0 = y / f, sy1 = (y + 1) / f, sx0 = x / f, sx1 = (x + 1) / f, acc = 0, area = 0;\n",
	"      for (i = Math.floor(sy0); i < Math.ceil(sy1); i++) for (j = Math.floor(sx0); j < Math.ceil(sx1); j++) {\n",
	"        var wgt = (Math.min(i + 1, sy1) - Math.max(i, sy0)) * (Math.min(j + 1, sx1) - Math.max(j, sx0));\n",
	"        if (y0 + i < N && x0 + j < N) acc += wgt * grid[(y0 + i) * N + x0 + j];\n",
	"        area += wgt;\n",
	"      }\n",
	"      img[y * N + x] = acc / area;\n",
	"    }\n",
	"    var sx = 0, sy = 0, sm = 0;\n",
	"    for (y = 0; y < N; y++) for (x = 0; x < N; x++) { var t = img[y * N + x]; sx += t * x; sy += t * y; sm += t; }\n",
	"    var dx = Math.round(14 - sx / sm), dy = Math.round(14 - sy / sm), out = new Float64Array(N * N);\n",
	"    for (y = 0; y < N; y++) for (x = 0; x < N; x++) {\n",
	"      var u = y - dy, v = x - dx;\n",
	"      if (u >= 0 && u < N && v >= 0 && v < N) out[y * N + x] = img[u * N + v];\n",
	"    }\n",
	"    return { image: out, moved: f < 1 || dx !== 0 || dy !== 0 };\n",
	"  }\n",
	"  function paint(ctx, values, scale) {\n",
	"    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, N * scale, N * scale);\n",
	"    for (var i = 0; i < N * N; i++) if (values[i] > 0) {\n",
	"      var l = Math.round(255 * (1 - Math.min(1, values[i])));\n",
	"      ctx.fillStyle = 'rgb(' + l + ',' + l + ',' + l + ')';\n",
	"      ctx.fillRect((i % N) * scale, Math.floor(i / N) * scale, scale, scale);\n",
	"    }\n",
	"  }\n",
	"  function classify() {\n",
	"    paint(g, grid, S);\n",
	"    var p = prepare(), bars = document.getElementById('nnlab-bars'), text = document.getElementById('nnlab-prediction');\n",
	"    bars.innerHTML = '';\n",
	"    if (!p) { paint(seen, grid, 3); text.textContent = 'Draw a digit in the box.'; state = {}; return; }\n",
	"    paint(seen, p.image, 3);\n",
	"    var out = forward(p.image), best = 0;\n",
	"    for (var k = 0; k < out.length; k++) {\n",
	"      if (out[k] > out[best]) best = k;\n",
	"      var row = document.createElement('div'), bar = document.createElement('span');\n",
	"      row.className = 'bar'; row.textContent = k + ' ';\n",
	"      bar.style.width = Math.round(200 * Math.min(1, out[k])) + 'px';\n",
	"      bar.title = out[k].toFixed(4);\n",
	"      row.appendChild(bar); row.appendChild(document.createTextNode(' ' + out[k].toFixed(3)));\n",
	"      bars.appendChild(row);\n",
	"    }\n",
	"    text.textContent = 'The net says: ' + best;\n",
	"    state = { prediction: best, outputs: Array.prototype.slice.call(out), moved: p.moved };\n",
	"  }\n",
	"  function ink(px, py) {\n",
	"    for (var y = Math.floor(py - 3); y <= py + 3; y++) for (var x = Math.floor(px - 3); x <= px + 3; x++) {\n",
	"      if (x < 0 || y < 0 || x >= N || y >= N) continue;\n",
	"      var d = Math.hypot(x + 0.5 - px, y + 0.5 - py), v = Math.max(0, 1 - (d / 2.2) * (d / 2.2));\n",
	"      grid[y * N + x] = Math.max(grid[y * N + x], v);\n",
	"    }\n",
	"  }\n",
	"  function at(e) { var r = cv.getBoundingClientRect(); return [(e.clientX - r.left) * N / r.width, (e.clientY - r.top) * N / r.height]; }\n",
	"  cv.addEventListener('pointerdown', function (e) { cv.setPointerCapture(e.pointerId); last = at(e); ink(last[0], last[1]); classify(); });\n",
	"  cv.addEventListener('pointermove', function (e) {\n",
	"    if (!last) return;\n",
	"    var p = at(e), n = Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) * 4) || 1;\n",
	"    for (var i = 1; i <= n; i++) ink(last[0] + (p[0] - last[0]) * i / n, last[1] + (p[1] - last[1]) * i / n);\n",
	"    last = p; classify();\n",
	"  });\n",
	"  cv.addEventListener('pointerup', function () { last = null; });\n",
	"  document.getElementById('nnlab-clear').addEventListener('click', function () { grid.fill(0); classify(); });\n",
	"  window.nnlabTry = { draw: function (values) { grid.set(values); classify(); return state; },\n",
	"                      state: function () { return state; } };\n",
	"  classify();\n",
	"})();\n",
	"</script>\n",
	NULL
};

/* Whether the model file's text takes 28x28 one-channel images: nnlab's
 * layers format with that input, or network2.py's with 784 inputs. */
static int takes_mnist(const char *text)
{
	return strstr(text, "\"input\": [1, 28, 28]") || !strncmp(text, "{\"sizes\": [784,", 15);
}

int exp_try_section(FILE *f, const char *dir)
{
	char path[4200], *text;
	size_t len;
	struct stat st;

	snprintf(path, sizeof(path), "%s/best.json", dir);
	if (stat(path, &st) != 0)
		return 0;
	fputs("<h2>Try the net</h2>\n", f);
	if ((size_t)st.st_size > EXP_TRY_MAX_BYTES) {
		fprintf(f, "<p>best.json (%.1f MB) is too large to embed in this page (at most %u MB).</p>\n",
			(double)st.st_size / 1e6, EXP_TRY_MAX_BYTES >> 20);
		return 0;
	}
	if (exp_fs_read_file(path, &text, &len, NULL) < 0)
		return 0;
	if (!takes_mnist(text)) {
		fputs("<p>The canvas scores 28&times;28 one-channel images (MNIST's shape); this model takes another "
		      "input.</p>\n", f);
		free(text);
		return 0;
	}
	fputs("<p>Draw a digit with the mouse or a finger: the page scores it with best.json, as the run scored "
	      "its data (the drawing's box fit into 20&times;20 pixels, centred by its mass in 28&times;28, values in "
	      "[0, 1]), and shows the output of each class.</p>\n"
	      "<style>#nnlab-canvas { border: 1px solid #888; touch-action: none; cursor: crosshair; }\n"
	      "#nnlab-try { display: flex; gap: 2em; align-items: flex-start; }\n"
	      ".bar { font-family: monospace; } .bar span { display: inline-block; height: 0.8em; background: #3b528b; }"
	      "</style>\n"
	      "<div id=\"nnlab-try\"><div><canvas id=\"nnlab-canvas\" width=\"280\" height=\"280\"></canvas><br>"
	      "<button id=\"nnlab-clear\">Clear</button></div>\n"
	      "<div><p id=\"nnlab-prediction\"></p><div id=\"nnlab-bars\"></div>\n"
	      "<p>What the net sees:<br><canvas id=\"nnlab-seen\" width=\"84\" height=\"84\"></canvas></p></div></div>\n"
	      "<script type=\"application/json\" id=\"nnlab-model\">", f);
	for (const char *p = text; *p; p++) {
		if (*p == '<')
			fputs("\\u003c", f);
		else
			fputc(*p, f);
	}
	fputs("</script>\n", f);
	for (const char *const *line = script; *line; line++)
		fputs(*line, f);
	free(text);
	return 1;
}
