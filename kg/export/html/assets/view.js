/* kg map viewer: draws the page data (gzip + base64 JSON in #kg-data) with sigma.js. */
(function () {
  "use strict";
  var T = window.kgTimings = {};
  var OTHER = "#b8b8b8", DIM = "#ececec";

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function safeHref(u) { return (typeof u === "string" && /^https?:\/\//i.test(u)) ? u : null; }
  function fmt(n) { return Number(n).toLocaleString("en-US"); }

  async function loadData() {
    var b64 = document.getElementById("kg-data").textContent.trim();
    var s = atob(b64), u8 = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) u8[i] = s.charCodeAt(i);
    var stream = new Blob([u8]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  var RAMP = ["#440154", "#3b528b", "#21918c", "#5ec962", "#fde725"];
  function rampColor(t) {
    t = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
    var i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i;
    function ch(c, k) { return parseInt(c.substr(1 + 2 * k, 2), 16); }
    var out = "#";
    for (var k = 0; k < 3; k++) {
      var v = Math.round(ch(RAMP[i], k) * (1 - f) + ch(RAMP[i + 1], k) * f);
      out += (v < 16 ? "0" : "") + v.toString(16);
    }
    return out;
  }

  async function main() {
    var D = await loadData();
    T.data = performance.now();
    var N = D.nodes, n = N.l.length, P = D.papers || {t: [], u: [], d: [], i: []};
    document.getElementById("kg-title").textContent = D.title;
    document.getElementById("kg-note").textContent = D.note + " Click a node for details; scroll to zoom.";

    // ------------------------------------------------------------------ colours
    var years = [];
    for (var i = 0; i < n; i++) {
      if (N.k[i] === "p" && N.tr[i] > 0) years.push(N.tr[i]);
      else if (N.k[i] === "c") for (var j = 0; j < N.tr[i].length; j++) years.push(N.tr[i][j][0]);
    }
    var y0 = years.length ? Math.min.apply(null, years.slice(0, 200000)) : 0;
    var y1 = years.length ? Math.max.apply(null, years.slice(0, 200000)) : 0;
    for (var q = 200000; q < years.length; q++) { y0 = Math.min(y0, years[q]); y1 = Math.max(y1, years[q]); }
    function baseColor(i) {
      if (D.colorBy === "year" && N.k[i] === "p") {
        return N.tr[i] > 0 ? rampColor((N.tr[i] - y0) / Math.max(1, y1 - y0)) : OTHER;
      }
      var g = N.g[i];
      return (g >= 0 && D.groups[g]) ? D.groups[g].color : OTHER;
    }

    // ------------------------------------------------------------------- graph
    var graph = new graphology.Graph({type: "undirected", multi: false, allowSelfLoops: false});
    var forced = new Set(D.forced || []);
    for (i = 0; i < n; i++) {
      var shown = N.k[i] === "p" && N.l[i].length > 60 ? N.l[i].slice(0, 57) + "…" : N.l[i];
      graph.addNode(String(i), {x: N.x[i], y: -N.y[i], size: N.s[i], label: shown,
                                 color: baseColor(i), forceLabel: forced.has(i)});
    }
    var E = D.edges;
    for (i = 0; i < E.s.length; i++) {
      var a = String(E.s[i]), b = String(E.t[i]);
      if (a !== b && !graph.hasEdge(a, b)) graph.addEdge(a, b, {size: 0.4 + 1.2 * E.w[i], weight: E.w[i]});
    }

    // ------------------------------------------------------------------- state
    // a big map shows its links only once zoomed in (or around a selected node)
    var EDGE_RATIO = 0.3, big = !!D.big;
    var S = {selected: null, near: null, matches: null, types: null, group: -1, yFrom: 0, yTo: 0,
             edgesOn: !big};
    function inYears(i) {
      if (!S.yFrom && !S.yTo) return true;
      var lo = S.yFrom || -1e9, hi = S.yTo || 1e9;
      if (N.k[i] === "p") return N.tr[i] >= lo && N.tr[i] <= hi;
      var tr = N.tr[i];
      for (var j = 0; j < tr.length; j++) if (tr[j][0] >= lo && tr[j][0] <= hi) return true;
      return false;
    }
    var hidden = new Uint8Array(n);
    function recomputeHidden() {
      for (var i = 0; i < n; i++) {
        var h = 0;
        if (S.types && !S.types.has(N.t[i])) h = 1;
        else if (S.group >= 0 && N.g[i] !== S.group) h = 1;
        else if (!inYears(i)) h = 1;
        hidden[i] = h;
      }
      var shown = 0;
      for (i = 0; i < n; i++) if (!hidden[i]) shown++;
      document.getElementById("kg-count").textContent = fmt(shown) + " of " + fmt(n) + " shown";
    }

    function nodeReducer(node, data) {
      var i = +node, res = Object.assign({}, data);
      if (hidden[i]) { res.hidden = true; return res; }
      var focus = S.near || S.matches;
      if (i === S.selected && !focus) {
        res.highlighted = true; res.forceLabel = true; res.zIndex = 2;
        res.size = Math.max(data.size * 1.6, 8);
      } else if (focus) {
        if (focus.has(i)) {
          res.forceLabel = true; res.zIndex = 2;
          if (i === S.selected) { res.highlighted = true; res.size = Math.max(data.size * 1.6, 8); }
          else if (S.matches && S.matches.has(i) && !S.near) res.highlighted = true;
        } else { res.color = DIM; res.label = null; res.forceLabel = false; res.zIndex = 0; }
      }
      return res;
    }
    function edgeReducer(edge, data) {
      var ends = graph.extremities(edge), a = +ends[0], b = +ends[1];
      var res = Object.assign({}, data);
      if (hidden[a] || hidden[b]) { res.hidden = true; return res; }
      if (S.near) {
        if (S.near.has(a) && S.near.has(b) && (a === S.selected || b === S.selected || S.selected === null)) {
          res.color = "#777"; res.size = Math.max(1, data.size * 1.5); res.zIndex = 1;
        } else res.hidden = true;
      } else if (S.matches || !S.edgesOn) res.hidden = true;
      return res;
    }

    var container = document.getElementById("kg-map");
    var renderer;
    try {
      renderer = new Sigma(graph, container, {
        nodeReducer: nodeReducer, edgeReducer: edgeReducer, zIndex: true,
        // one GL point per node: a software-rendered (GPU-less) browser draws a big map
        // in about half the time it needs for the default quads
        nodeProgramClasses: big ? {circle: Sigma.rendering.NodePointProgram} : {},
        defaultEdgeColor: "#e2e2e2", defaultNodeColor: OTHER,
        labelFont: "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif",
        labelSize: 13, labelWeight: "500", labelColor: {color: "#222"},
        // paper titles are long: fewer of them at a time
        labelDensity: big ? (D.view === "papers" ? 0.1 : 0.25) : 0.8,
        labelGridCellSize: big ? (D.view === "papers" ? 160 : 110) : 60,
        labelRenderedSizeThreshold: big ? 5 : 3,
        hideEdgesOnMove: big, minCameraRatio: big ? 0.02 : 0.05, maxCameraRatio: 3,
        enableEdgeEvents: false
      });
    } catch (err) {
      var msg = el("p", null, "This map needs WebGL, which this browser does not provide: " + err);
      msg.id = "kg-error";
      container.appendChild(msg);
      throw err;
    }
    requestAnimationFrame(function () { T.firstDraw = performance.now(); });

    // ------------------------------------------------------- community labels
    var overlay = document.getElementById("kg-overlay");
    var labelled = [];
    if (D.view !== "focus") {
      var cx = {}, cn = {}, top = {}, bottom = {};
      for (i = 0; i < n; i++) {
        var g = N.g[i];
        if (g < 0) continue;
        cx[g] = (cx[g] || 0) + N.x[i]; cn[g] = (cn[g] || 0) + 1;
        top[g] = Math.max(top[g] === undefined ? -Infinity : top[g], -N.y[i]);
        bottom[g] = Math.min(bottom[g] === undefined ? Infinity : bottom[g], -N.y[i]);
      }
      var minSize = Math.max(3, Math.floor(n * 0.01));
      D.groups.forEach(function (grp, g) {
        if (g >= 16 || !cn[g] || cn[g] < minSize || !grp.name) return;
        var lab = el("div", "kg-group-label", grp.name.split(" · ").slice(0, 2).join(" · "));
        lab.style.color = grp.color === OTHER ? "#555" : grp.color;
        lab.style.filter = "brightness(0.7)";
        overlay.appendChild(lab);
        labelled.push({g: g, x: cx[g] / cn[g], top: top[g], bottom: bottom[g], div: lab});
      });
    }
    function placeLabels() {
      var ratio = renderer.getCamera().ratio;
      labelled.forEach(function (L) {
        var show = !S.near && !S.matches && (S.group < 0 || S.group === L.g) && ratio > 0.25;
        L.div.style.display = show ? "" : "none";
        if (!show) return;
        var a = renderer.graphToViewport({x: L.x, y: L.top});
        var b = renderer.graphToViewport({x: L.x, y: L.bottom});
        L.div.style.left = a.x + "px"; L.div.style.top = (Math.min(a.y, b.y) - 12) + "px";
      });
    }
    renderer.on("afterRender", placeLabels);
    if (big) renderer.getCamera().on("updated", function (st) {
      var on = st.ratio < EDGE_RATIO;
      if (on !== S.edgesOn) { S.edgesOn = on; renderer.refresh(); }
    });

    // ----------------------------------------------------------------- legend
    var legend = document.getElementById("kg-legend");
    function buildLegend() {
      legend.textContent = "";
      if (D.colorBy === "year") {
        legend.appendChild(el("h3", null, "Colour: year"));
        var ramp = el("div", "ramp");
        ramp.style.background = "linear-gradient(to right," + RAMP.join(",") + ")";
        legend.appendChild(ramp);
        legend.appendChild(el("div", null, y0 ? y0 + " → " + y1 : "(the papers have no dates)"));
        return;
      }
      legend.appendChild(el("h3", null, D.view === "focus" ? "Nodes" :
        "Communities (by their top concepts; click to filter)"));
      var ul = el("ul");
      D.groups.slice(0, 20).forEach(function (grp, g) {
        var li = el("li", S.group >= 0 && S.group !== g ? "off" : null);
        var dot = el("span", "dot"); dot.style.background = grp.color;
        li.appendChild(dot);
        li.appendChild(el("span", null, grp.name || "(unnamed)"));
        li.appendChild(el("span", "count", fmt(grp.size)));
        li.addEventListener("click", function () {
          S.group = (S.group === g) ? -1 : g;
          document.getElementById("kg-group").value = String(S.group);
          refresh();
        });
        ul.appendChild(li);
      });
      if (D.groups.length > 20) {
        var more = el("li", null, (D.groups.length - 20) + " smaller communities, in grey (Community menu)");
        ul.appendChild(more);
      }
      legend.appendChild(ul);
    }

    // ------------------------------------------------------------------ filters
    var typeBox = document.getElementById("kg-types");
    if (D.types.length > 1) {
      D.types.forEach(function (t, k) {
        var lab = el("label"), box = el("input");
        box.type = "checkbox"; box.checked = true; box.value = String(k);
        box.addEventListener("change", function () {
          var on = new Set();
          typeBox.querySelectorAll("input").forEach(function (b) { if (b.checked) on.add(+b.value); });
          S.types = on.size === D.types.length ? null : on;
          refresh();
        });
        lab.appendChild(box); lab.appendChild(document.createTextNode(t));
        typeBox.appendChild(lab);
      });
    }
    var groupSel = document.getElementById("kg-group");
    var optAll = el("option", null, "all communities"); optAll.value = "-1"; groupSel.appendChild(optAll);
    D.groups.forEach(function (grp, g) {
      var o = el("option", null, grp.name || ("community " + (g + 1))); o.value = String(g);
      groupSel.appendChild(o);
    });
    groupSel.addEventListener("change", function () { S.group = +groupSel.value; refresh(); });
    var fromSel = document.getElementById("kg-from"), toSel = document.getElementById("kg-to");
    [fromSel, toSel].forEach(function (sel, k) {
      var o = el("option", null, k ? "to …" : "from …"); o.value = "0"; sel.appendChild(o);
      for (var y = y0; y && y <= y1; y++) { var oy = el("option", null, y); oy.value = String(y); sel.appendChild(oy); }
      sel.addEventListener("change", function () { S.yFrom = +fromSel.value; S.yTo = +toSel.value; refresh(); });
    });
    if (!y0) document.getElementById("kg-years").style.display = "none";

    function refresh() {
      recomputeHidden();
      buildLegend();
      renderer.refresh();
    }

    // -------------------------------------------------------------------- panel
    var panel = document.getElementById("kg-panel"), body = document.getElementById("kg-panel-body");
    function closePanel() { panel.classList.remove("open"); body.textContent = ""; renderer.resize(); }
    function openPanel() { panel.classList.add("open"); renderer.resize(); }
    document.getElementById("kg-close").addEventListener("click", function () { clearSelection(); });

    function trendChart(tr) {
      if (!tr.length) return null;
      var ns = "http://www.w3.org/2000/svg";
      var a = tr[0][0], b = tr[tr.length - 1][0], max = 1, counts = {};
      tr.forEach(function (p) { counts[p[0]] = p[1]; max = Math.max(max, p[1]); });
      var W = 340, H = 70, span = b - a + 1, bw = W / span;
      var svg = document.createElementNS(ns, "svg");
      svg.setAttribute("width", W); svg.setAttribute("height", H + 14);
      svg.setAttribute("role", "img");
      for (var y = a; y <= b; y++) {
        var c = counts[y] || 0, h = Math.round(H * c / max);
        var r = document.createElementNS(ns, "rect");
        r.setAttribute("x", (y - a) * bw + 1); r.setAttribute("y", H - h);
        r.setAttribute("width", Math.max(1, bw - 2)); r.setAttribute("height", h);
        r.setAttribute("fill", "#4e79a7");
        var tt = document.createElementNS(ns, "title"); tt.textContent = y + ": " + c + " papers";
        r.appendChild(tt); svg.appendChild(r);
      }
      [[a, 0, "start"], [b, W, "end"]].forEach(function (L) {
        var t = document.createElementNS(ns, "text");
        t.setAttribute("x", L[1]); t.setAttribute("y", H + 12); t.setAttribute("text-anchor", L[2]);
        t.textContent = String(L[0]); svg.appendChild(t);
      });
      return svg;
    }
    function paperItem(ref, evidence) {
      var li = el("li"), href = safeHref(P.u[ref]);
      var title = P.t[ref] || P.i[ref] || "(untitled)";
      var head = href ? el("a", null, title) : el("span", null, title);
      if (href) { head.href = href; head.target = "_blank"; head.rel = "noopener noreferrer"; }
      li.appendChild(head);
      var meta = [P.i[ref], P.d[ref]].filter(Boolean).join(" · ");
      if (meta) li.appendChild(el("div", "meta", meta));
      if (evidence) li.appendChild(el("blockquote", "evidence", evidence));
      return li;
    }
    function chipFor(label) {
      var j = labelIndex.get(label.toLowerCase());
      var chip = el(j !== undefined ? "button" : "span", j !== undefined ? "chip" : "chip static", label);
      if (j !== undefined) chip.addEventListener("click", function () { select(j, true); });
      return chip;
    }
    function neighbourChips(i) {
      var box = el("div", "chips"), list = [];
      graph.forEachNeighbor(String(i), function (nb) {
        list.push([+nb, graph.getEdgeAttribute(graph.edge(String(i), nb), "weight") || 0]);
      });
      list.sort(function (x, y) { return y[1] - x[1]; });
      list.slice(0, 12).forEach(function (p) {
        var c = el("button", "chip", N.l[p[0]]);
        c.addEventListener("click", function () { select(p[0], true); });
        box.appendChild(c);
      });
      return list.length ? box : null;
    }
    function showConcept(i) {
      var info = D.info[i] || {};
      body.textContent = "";
      body.appendChild(el("h2", null, N.l[i]));
      var grp = D.groups[N.g[i]];
      var meta = [D.types[N.t[i]], fmt(N.n[i]) + " papers"];
      if (info.o) meta.push(info.o);
      if (grp && D.view !== "focus") meta.push("community: " + grp.name);
      body.appendChild(el("p", "meta", meta.join(" · ")));
      if (info.d) body.appendChild(el("p", "def", info.d));
      if (info.a && info.a.length) {
        body.appendChild(el("h3", null, "Also called"));
        var chips = el("div", "chips");
        info.a.forEach(function (x) { chips.appendChild(el("span", "chip static", x)); });
        body.appendChild(chips);
      }
      var chart = trendChart(N.tr[i] || []);
      if (chart) { body.appendChild(el("h3", null, "Papers per year")); body.appendChild(chart); }
      var nb = neighbourChips(i);
      if (nb) { body.appendChild(el("h3", null, "Linked on the map")); body.appendChild(nb); }
      if (info.p && info.p.length) {
        body.appendChild(el("h3", null, "Papers (with the sentence that mentions it)"));
        var ol = el("ol");
        info.p.forEach(function (pe) { ol.appendChild(paperItem(pe[0], pe[1])); });
        body.appendChild(ol);
        if (N.n[i] > info.p.length) body.appendChild(el("p", "meta",
          "… and " + fmt(N.n[i] - info.p.length) + " more (kg concept \"" + N.l[i] + "\" lists them)."));
      }
    }
    function showPaper(ref, conceptLabels, node) {
      body.textContent = "";
      var href = safeHref(P.u[ref]);
      body.appendChild(el("h2", null, P.t[ref] || P.i[ref] || "(untitled)"));
      var meta = [P.i[ref], P.d[ref]].filter(Boolean).join(" · ");
      if (meta) body.appendChild(el("p", "meta", meta));
      if (P.a && P.a[ref] && P.a[ref].length) {
        var au = P.a[ref];
        body.appendChild(el("p", "authors", au.slice(0, 12).join(", ") + (au.length > 12 ? ", et al." : "")));
      }
      if (href) {
        var a = el("a", null, href); a.href = href; a.target = "_blank"; a.rel = "noopener noreferrer";
        var p = el("p"); p.appendChild(a); body.appendChild(p);
      }
      if (conceptLabels && conceptLabels.length) {
        body.appendChild(el("h3", null, "Concepts"));
        var chips = el("div", "chips");
        conceptLabels.forEach(function (x) { chips.appendChild(chipFor(x)); });
        body.appendChild(chips);
      }
      if (node !== undefined) {
        var nb = neighbourChips(node);
        if (nb) { body.appendChild(el("h3", null, "Linked on the map")); body.appendChild(nb); }
      }
    }

    // ---------------------------------------------------------------- selection
    function clearSelection() {
      S.selected = null; S.near = null; closePanel(); refresh();
    }
    function focusCamera(nodes) {
      var xs = [], ys = [];
      nodes.forEach(function (j) {
        var d = renderer.getNodeDisplayData(String(j));
        if (d) { xs.push(d.x); ys.push(d.y); }
      });
      if (!xs.length) return;
      var x = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
      var y = (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2;
      var span = Math.max(Math.max.apply(null, xs) - Math.min.apply(null, xs),
                          Math.max.apply(null, ys) - Math.min.apply(null, ys));
      var ratio = span > 0 ? Math.min(1, Math.max(0.04, span * 1.3)) : (n > 5000 ? 0.08 : 0.5);
      renderer.getCamera().animate({x: x, y: y, ratio: ratio}, {duration: 400});
    }
    function select(i, move, keepAll) {
      if (hidden[i]) { S.types = null; S.group = -1; S.yFrom = S.yTo = 0; resetControls(); }
      S.selected = i; S.matches = null;
      S.near = keepAll ? null : new Set([i]);
      if (!keepAll) graph.forEachNeighbor(String(i), function (nb) { S.near.add(+nb); });
      if (N.k[i] === "c") showConcept(i);
      else showPaper(N.r[i], (D.info[i] || {}).c, i);
      openPanel();
      refresh();
      if (move) focusCamera([i]);
    }
    function selectPaperRef(ref) {
      var nodes = conceptsOfPaper(ref), labels = nodes.map(function (j) { return N.l[j]; });
      S.selected = null; S.matches = null; S.near = new Set(nodes);
      showPaper(ref, labels);
      openPanel();
      refresh();
      focusCamera(nodes);
    }
    var paperConcepts = null;
    function conceptsOfPaper(ref) {
      if (!paperConcepts) {
        paperConcepts = new Map();
        for (var i = 0; i < n; i++) {
          var ps = (D.info[i] || {}).p || [];
          for (var j = 0; j < ps.length; j++) {
            var l = paperConcepts.get(ps[j][0]);
            if (!l) paperConcepts.set(ps[j][0], l = []);
            l.push(i);
          }
        }
      }
      return paperConcepts.get(ref) || [];
    }
    renderer.on("clickNode", function (e) { select(+e.node, false); });
    renderer.on("clickStage", function () { if (S.selected !== null || S.near) clearSelection(); });
    renderer.on("enterNode", function () { container.style.cursor = "pointer"; });
    renderer.on("leaveNode", function () { container.style.cursor = ""; });

    // ------------------------------------------------------------------- search
    var labelIndex = new Map(), entries = [];
    for (i = 0; i < n; i++) {
      var low = N.l[i].toLowerCase();
      if (!labelIndex.has(low)) labelIndex.set(low, i);
      entries.push([low, i, N.k[i] === "c" ? 0 : 1, N.l[i]]);
      var alts = (D.info[i] || {}).a || [];
      for (var k = 0; k < alts.length; k++) entries.push([alts[k].toLowerCase(), i, 0, alts[k]]);
    }
    var paperNode = new Map();
    for (i = 0; i < n; i++) if (N.r[i] >= 0) paperNode.set(N.r[i], i);
    for (var r = 0; r < P.t.length; r++) {
      if (!paperNode.has(r)) entries.push([(P.t[r] || "").toLowerCase(), -1 - r, 2, P.t[r] || ""]);
      if (P.i[r]) entries.push([P.i[r].toLowerCase(), paperNode.has(r) ? paperNode.get(r) : -1 - r, 2, P.i[r]]);
    }
    function search(query) {
      var q = query.trim().toLowerCase();
      if (!q) return [];
      var found = [], seen = new Set();
      for (var e = 0; e < entries.length; e++) {
        var t = entries[e][0], pos = t.indexOf(q);
        if (pos < 0) continue;
        var rank = t === q ? 0 : pos === 0 ? 1 : /[^a-z0-9]/.test(t.charAt(pos - 1)) ? 2 : 3;
        var target = entries[e][1];
        var weight = target >= 0 ? N.n[target] : 0;
        found.push({target: target, rank: rank, kind: entries[e][2], weight: weight, text: entries[e][3]});
      }
      found.sort(function (a, b) {
        return a.rank - b.rank || a.kind - b.kind || b.weight - a.weight || a.target - b.target;
      });
      var out = [];
      for (var f = 0; f < found.length && out.length < 50; f++) {
        if (seen.has(found[f].target)) continue;
        seen.add(found[f].target);
        out.push(found[f]);
      }
      return out;
    }
    var box = document.getElementById("kg-search"), results = document.getElementById("kg-results");
    var current = [];
    function describe(hit) {
      if (hit.target < 0) return {label: P.t[-1 - hit.target] || hit.text, kind: "paper"};
      var i = hit.target, label = N.l[i];
      var kind = N.k[i] === "c" ? D.types[N.t[i]] + " · " + fmt(N.n[i]) + " papers" : "paper";
      if (hit.text.toLowerCase() !== label.toLowerCase() && N.k[i] === "c") label += " (" + hit.text + ")";
      return {label: label, kind: kind};
    }
    function choose(hit) {
      results.textContent = "";
      if (hit.target >= 0) select(hit.target, true); else selectPaperRef(-1 - hit.target);
    }
    function onSearch() {
      current = search(box.value);
      results.textContent = "";
      current.slice(0, 12).forEach(function (hit, k) {
        var d = describe(hit), li = el("li", k === 0 ? "active" : null);
        li.appendChild(el("span", "label", d.label));
        li.appendChild(el("span", "kind", d.kind));
        li.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(hit); });
        results.appendChild(li);
      });
      var nodes = current.filter(function (h) { return h.target >= 0; }).map(function (h) { return h.target; });
      S.matches = box.value.trim() ? new Set(nodes) : null;
      if (S.matches) { S.near = null; S.selected = null; }
      refresh();
    }
    var pending = null;  // on a big map, search once typing pauses
    box.addEventListener("input", function () {
      clearTimeout(pending);
      if (big) pending = setTimeout(onSearch, 150); else onSearch();
    });
    box.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") {
        clearTimeout(pending);
        current = search(box.value);
        if (current.length) { ev.preventDefault(); choose(current[0]); }
      }
      if (ev.key === "Escape") { box.value = ""; results.textContent = ""; S.matches = null; refresh(); }
    });
    box.addEventListener("blur", function () { setTimeout(function () { results.textContent = ""; }, 150); });

    // -------------------------------------------------------------------- reset
    function resetControls() {
      typeBox.querySelectorAll("input").forEach(function (b) { b.checked = true; });
      groupSel.value = "-1"; fromSel.value = "0"; toSel.value = "0";
    }
    document.getElementById("kg-reset").addEventListener("click", function () {
      S.types = null; S.group = -1; S.yFrom = S.yTo = 0; S.matches = null;
      box.value = ""; results.textContent = ""; resetControls();
      clearSelection();
      renderer.getCamera().animatedReset({duration: 300});
    });

    refresh();
    if (D.focus !== undefined) select(D.focus, false, true);
    window.kgMap = {graph: graph, renderer: renderer, data: D, state: S, search: search,
                    select: select, selectPaper: selectPaperRef, choose: choose};
    requestAnimationFrame(function () {
      T.interactive = performance.now();
      document.body.setAttribute("data-state", "ready");
    });
  }

  main().catch(function (err) {
    document.body.setAttribute("data-state", "error");
    var box = document.getElementById("kg-map");
    if (box && !document.getElementById("kg-error")) {
      var p = el("p", null, "The map could not be drawn: " + err); p.id = "kg-error"; box.appendChild(p);
    }
    console.error(err);
  });
})();
