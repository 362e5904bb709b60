"""The network map: papers and concepts together, drawn by vis-network (pyvis); offline.

``write_html(G, path, view="network")`` (and any networkx graph) draws this map; the
default map of a model is the WebGL concept map (:mod:`kg.export.html.views`).

The page inlines vis-network's JavaScript and CSS (pyvis ``cdn_resources="in_line"``) and
drops the Bootstrap links pyvis's template adds, so it opens from a file with no network
at all; :func:`external_references` checks that (and :func:`write_html` refuses to write a
page that would load anything from elsewhere).

What is drawn
-------------
Papers and concepts (authors only with ``include_authors=True``) and the edges between
them: ``mentions`` (grey), ``similar`` (blue, dashed, thicker when more similar),
``cooccurs`` (orange) and ``broader`` (dark, arrow to the broader concept). Concepts are
coloured by type, papers are grey; node size grows with ``paper_count`` (concepts) or
degree (papers). Hovering shows a plain-text tooltip (title or label, type, counts).

Nothing on the page is a link, and no url of the data reaches it: a paper's ``url`` (which
may be ``javascript:`` or ``data:``) is not drawn. Every text of the data (titles, labels,
tooltips) reaches the page only as JSON inside the script, with ``<``, ``>``, ``&`` and
``'`` escaped, and vis-network shows tooltips as plain text (never ``innerHTML``); the
page title is HTML-escaped.

Large graphs: when papers + concepts exceed ``max_nodes``, the map shows the concepts in
most papers (a fifth of the budget) and, taking turns between those concepts, the papers
that mention most of them, up to ``max_nodes`` nodes; a note on the page says how many
nodes of how many are shown. Positions are computed in Python (networkx
``spring_layout``, fixed seed) and physics is off, so the page is drawn at once and is the
same for the same graph, instead of simulating for minutes in the browser.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node("https://w3id.org/paper-kg/concept/lora", kind="concept", label="LoRA",
...            type="Method", source="ontology", paper_count=1)
>>> html = render_html(G, title="demo")
>>> external_references(html)
[]
>>> "1 of 1 nodes" in html
True
"""
from __future__ import annotations

import html as _html
import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from kg.errors import ExportError
from kg.files import atomic_output
from kg.model import GraphModel
from kg.model.arrays import strictly_sorted
from kg.model.networkx import add_edges

__all__ = [
    "DEFAULT_MAX_NODES",
    "TYPE_COLORS",
    "ViewSelection",
    "external_references",
    "render_html",
    "select_view",
    "write_html",
]

#: Default cap on the nodes drawn: vis-network stays responsive up to about this many.
DEFAULT_MAX_NODES = 1500

#: Node colours: concept types (Tableau 10), then papers, authors, and other concepts.
TYPE_COLORS: dict[str, str] = {
    "Method": "#4e79a7",
    "Model": "#f28e2b",
    "Task": "#e15759",
    "Dataset": "#76b7b2",
    "Metric": "#59a14f",
    "Phenomenon": "#edc948",
    "Theory": "#b07aa1",
    "Field": "#ff9da7",
    "Concept": "#9c755f",  # a concept of no (known) type, e.g. most discovered ones
    "paper": "#bab0ac",
    "author": "#8cd17d",
}
_EDGE_STYLE: dict[str, dict[str, Any]] = {
    "mentions": {"color": "#c8c8c8", "width": 0.6},
    "similar": {"color": "#4e79a7", "dashes": True},
    "cooccurs": {"color": "#f28e2b", "width": 1.2},
    "broader": {"color": "#555555", "width": 1.5, "arrows": "to"},
    "author": {"color": "#8cd17d", "width": 0.6},
}
_EXTERNAL = re.compile(
    r"""<(?:script|link|img|iframe|source|audio|video|embed|object)\b[^>]*?"""
    r"""\b(?:src|href|data)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""",
    re.I,
)
_CSS_EXTERNAL = re.compile(r"""(?:@import\s+|url\(\s*)["']?\s*(?:https?:)?//[^"')\s]*""", re.I)


@dataclass
class ViewSelection:
    """Which nodes the map draws, and why.

    Attributes
    ----------
    nodes : list of str
        The node IRIs drawn, sorted.
    total : int
        Nodes that could be drawn (papers and concepts, plus authors if included).
    concepts : int
        Concepts among ``nodes``.
    papers : int
        Papers among ``nodes``.
    truncated : bool
        Whether ``nodes`` is a selection (``total > max_nodes``).
    """

    nodes: list[str]
    total: int
    concepts: int = 0
    papers: int = 0
    truncated: bool = False
    authors: int = 0
    notes: list[str] = field(default_factory=list)
    # of a truncated selection from a GraphModel: (paper indices, concept indices, papers
    # of each concept), so that the map does not compute them again
    _model_parts: Any = field(default=None, repr=False, compare=False)


def _kind(G, n) -> str | None:
    return G.nodes[n].get("kind")


def _mention_lists(G) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """concept -> papers mentioning it, paper -> concepts it mentions (sorted)."""
    papers_of: dict[str, list[str]] = {}
    concepts_of: dict[str, list[str]] = {}
    for u, v, k in G.edges(keys=True):
        if k == "mentions":
            papers_of.setdefault(v, []).append(u)
            concepts_of.setdefault(u, []).append(v)
    return papers_of, concepts_of


def select_view(
    G, max_nodes: int = DEFAULT_MAX_NODES, *, include_authors: bool = False
) -> ViewSelection:
    """Choose the nodes the map draws: everything if it fits, else the busiest concepts.

    When papers + concepts (+ authors) exceed ``max_nodes``: the concepts in most papers
    (``max_nodes // 5`` of them, at least one; ties by IRI) and then papers, taking turns
    between those concepts in rank order, each turn adding the concept's next paper by how
    many selected concepts it mentions (ties by IRI), until ``max_nodes`` nodes. Authors
    are never part of a truncated view.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    max_nodes : int
        Most nodes drawn (at least 1).
    include_authors : bool
        Draw author nodes too (only if everything fits).

    Returns
    -------
    ViewSelection

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph()
    >>> for i in range(4):
    ...     G.add_node(f"c{i}", kind="concept", label=f"c{i}", paper_count=4 - i)
    ...     G.add_node(f"p{i}", kind="paper", title=f"p{i}")
    >>> for i in range(4):
    ...     for j in range(4 - i):
    ...         _ = G.add_edge(f"p{j}", f"c{i}", key="mentions")
    >>> sel = select_view(G, max_nodes=3)
    >>> sel.nodes, sel.total, sel.truncated
    (['c0', 'p0', 'p1'], 8, True)
    """
    if max_nodes < 1:
        raise ExportError(f"max_nodes must be at least 1, not {max_nodes}")
    if _is_model(G):
        return _select_from_model(G, max_nodes, include_authors)
    kinds = {"paper", "concept"} | ({"author"} if include_authors else set())
    candidates = sorted((n for n in G if _kind(G, n) in kinds), key=str)
    if len(candidates) <= max_nodes:
        chosen = candidates
        truncated = False
    else:
        truncated = True
        papers_of, concepts_of = _mention_lists(G)
        concepts = [n for n in candidates if _kind(G, n) == "concept"]
        def popularity(c):
            return -(G.nodes[c].get("paper_count") or len(papers_of.get(c, ()))), str(c)

        concepts.sort(key=popularity)
        top = concepts[: max(1, max_nodes // 5)]
        top_set = set(top)
        # papers for each top concept, best first: most top concepts mentioned, then IRI
        queues = []
        for c in top:
            ps = papers_of.get(c, [])
            ps = sorted(ps, key=lambda p: (
                -sum(1 for x in concepts_of.get(p, ()) if x in top_set), str(p)))
            queues.append(ps)
        chosen = _take_turns(list(top), queues, max_nodes)
        if len(chosen) < max_nodes:  # few papers: fill with the next concepts
            for c in concepts[len(top):]:
                if len(chosen) >= max_nodes:
                    break
                chosen.append(c)
        chosen = sorted(chosen, key=str)
    count = {k: sum(1 for n in chosen if _kind(G, n) == k) for k in ("concept", "paper", "author")}
    return ViewSelection(
        nodes=chosen, total=len(candidates), concepts=count["concept"], papers=count["paper"],
        authors=count["author"], truncated=truncated,
    )



def _take_turns(chosen: list[str], queues: list[list[str]], max_nodes: int) -> list[str]:
    """Add papers to ``chosen`` taking turns between the queues (one per top concept, best
    paper first), skipping papers already chosen, until ``max_nodes`` or all are taken."""
    chosen_set = set(chosen)
    pos = [0] * len(queues)
    active = True
    while len(chosen) < max_nodes and active:
        active = False
        for i, q in enumerate(queues):
            while pos[i] < len(q) and q[pos[i]] in chosen_set:
                pos[i] += 1
            if pos[i] < len(q):
                active = True
                chosen_set.add(q[pos[i]])
                chosen.append(q[pos[i]])
                if len(chosen) >= max_nodes:
                    break
    return chosen


def _is_model(G) -> bool:
    return isinstance(G, GraphModel)


def _select_from_model(M, max_nodes: int, include_authors: bool) -> ViewSelection:
    """:func:`select_view` on a :class:`kg.model.GraphModel`, from its arrays (same result)."""
    papers, concepts = M.paper_iris, M.concept_iris
    authors = M.author_iris if include_authors else []
    total = len(papers) + len(concepts) + len(authors)
    if total <= max_nodes:
        chosen = sorted(papers + concepts + authors)
        return ViewSelection(nodes=chosen, total=total, concepts=len(concepts),
                             papers=len(papers), authors=len(authors), truncated=False)
    counts = [a.get("paper_count") or 0 for a in M.concept_attrs]
    if strictly_sorted(concepts):  # index order is IRI order
        ranked = np.lexsort((np.arange(len(concepts)), -np.asarray(counts))).tolist()
    else:  # pragma: no cover - models keep their IRIs sorted
        ranked = sorted(range(len(concepts)), key=lambda c: (-counts[c], concepts[c]))
    top = ranked[: max(1, max_nodes // 5)]
    is_top = np.zeros(len(concepts), bool)
    is_top[top] = True
    paper_of = np.repeat(np.arange(len(papers)), np.diff(M.m_ptr))
    top_count = np.bincount(paper_of[is_top[M.m_concept]], minlength=len(papers))
    papers_of = M.papers_of()
    # queues of paper indices (ints never equal the concept IRIs taking turns with them)
    queues = [ps[np.lexsort((ps, -top_count[ps]))].tolist()
              for ps in (papers_of[c] for c in top)]
    chosen = _take_turns([concepts[c] for c in top], queues, max_nodes)
    paper_idx = [x for x in chosen if type(x) is int]
    concept_idx = list(top)
    for c in ranked[len(top):]:  # few papers: fill with the next concepts
        if len(chosen) >= max_nodes:
            break
        chosen.append(concepts[c])
        concept_idx.append(c)
    nodes = sorted([concepts[c] for c in concept_idx] + [papers[p] for p in paper_idx])
    return ViewSelection(nodes=nodes, total=total, concepts=len(concept_idx),
                         papers=len(paper_idx), authors=0, truncated=True,
                         _model_parts=(paper_idx, concept_idx, papers_of))


def _drawn_part_of_model(M, sel: ViewSelection):
    """The graph to draw from a model and the mention lists the tooltips need: the
    whole graph when everything is drawn, else the subgraph of the drawn nodes (the
    graph of ``M.subgraph(sel.nodes)``, edges found in the arrays) plus the concepts that
    drawn papers mention (their tooltips name them)."""
    if not sel.truncated:
        G = M.to_networkx()
        return (G, *_mention_lists(G))
    if sel._model_parts is None:  # pragma: no cover - select_view made elsewhere
        sel = _select_from_model(M, len(sel.nodes), False)
    paper_idx, concept_idx, by_concept = sel._model_parts
    ciris, piris = M.concept_iris, M.paper_iris
    kept_c = np.zeros(len(ciris), bool)
    kept_c[concept_idx] = True
    kept_p = np.zeros(len(piris), bool)
    kept_p[paper_idx] = True
    H = nx.MultiDiGraph()
    H.graph.update(M.params)
    drawn = sorted([(piris[k], "paper", k) for k in paper_idx]
                   + [(ciris[k], "concept", k) for k in concept_idx])
    for iri, kind, k in drawn:
        H.add_node(iri, **(M.paper_attrs(k) if kind == "paper" else M.concept_attrs[k]))
    s_ptr, b_ptr, c_ptr = M._out_tables()
    edges = []
    for u, kind, k in drawn:
        if kind == "paper":
            lo, hi = int(M.m_ptr[k]), int(M.m_ptr[k + 1])
            for t in (lo + np.flatnonzero(kept_c[M.m_concept[lo:hi]])).tolist():
                edges.append((u, ciris[M.m_concept[t]], "mentions", M.mention_attrs(k, t)))
            lo, hi = int(s_ptr[k]), int(s_ptr[k + 1])
            for t in (lo + np.flatnonzero(kept_p[M.s_v[lo:hi]])).tolist():
                edges.append((u, piris[M.s_v[t]], "similar", M.similar_attrs(t)))
        else:
            for t in range(b_ptr[k], b_ptr[k + 1]):
                parent = M.broader[t][1]
                if kept_c[parent]:
                    edges.append((u, ciris[parent], "broader", {}))
            lo, hi = int(c_ptr[k]), int(c_ptr[k + 1])
            for t in (lo + np.flatnonzero(kept_c[M.c_v[lo:hi]])).tolist():
                edges.append((u, ciris[M.c_v[t]], "cooccurs", M.cooccurs_attrs(t)))
    add_edges(H, edges)
    concepts_of = {}
    for k in sorted(paper_idx):
        mentioned = M.m_concept[M.m_ptr[k]:M.m_ptr[k + 1]].tolist()
        concepts_of[piris[k]] = [ciris[c] for c in mentioned]
        for c in mentioned:  # undrawn concepts still name a paper's tooltip
            if not kept_c[c] and ciris[c] not in H:
                H.add_node(ciris[c], **M.concept_attrs[c])
    # the tooltips only count a concept's papers
    papers_of = {ciris[k]: by_concept[k] for k in concept_idx}
    return H, papers_of, concepts_of


def _tooltip(G, n, papers_of: Mapping[str, list[str]], concepts_of: Mapping[str, list[str]]) -> str:
    d = G.nodes[n]
    kind = d.get("kind")
    lines: list[str] = []
    if kind == "paper":
        lines.append(str(d.get("title") or d.get("id") or n))
        meta = ["Paper"]
        if d.get("id"):
            meta.append(str(d["id"]))
        if d.get("date"):
            meta.append(str(d["date"]))
        lines.append(" · ".join(meta))
        labels = [str(G.nodes[c].get("label") or c) for c in concepts_of.get(n, ())]
        if labels:
            shown = sorted(labels, key=str.lower)[:10]
            more = f" (+{len(labels) - 10} more)" if len(labels) > 10 else ""
            lines.append("Concepts: " + ", ".join(shown) + more)
    elif kind == "concept":
        lines.append(str(d.get("label") or n))
        ctype = d.get("type") or "Concept"
        source = d.get("source") or ""
        lines.append(f"{ctype}" + (f" · {source}" if source else ""))
        count = d.get("paper_count")
        if count is None:
            count = len(papers_of.get(n, ()))
        lines.append(f"Papers: {count}")
        alts = [a for a in (d.get("alt_labels") or ()) if a]
        if alts:
            lines.append("Also: " + ", ".join(map(str, alts[:6])))
        if d.get("definition"):
            lines.append(_wrap(str(d["definition"])))
    elif kind == "author":
        lines.append(str(d.get("name") or n))
        n_papers = sum(1 for _, _, k in G.in_edges(n, keys=True) if k == "author")
        lines.append(f"Author · papers: {n_papers}")
    else:
        lines.append(str(n))
    return "\n".join(lines)


def _wrap(text: str, width: int = 70) -> str:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return "\n".join(out)


def _layout(
    G, nodes: list[str], edges: list[tuple[str, str, str]]
) -> dict[str, tuple[float, float]]:
    """Spring layout of the drawn subgraph, scaled to pixels (deterministic: fixed seed)."""
    H = nx.Graph()
    H.add_nodes_from(nodes)
    for u, v, key in edges:
        w = 0.3 if key == "mentions" else 1.0
        if H.has_edge(u, v):
            H[u][v]["weight"] = max(H[u][v]["weight"], w)
        else:
            H.add_edge(u, v, weight=w)
    if not nodes:
        return {}
    n = len(nodes)
    k = 1.5 / math.sqrt(n) if n > 1 else None
    pos = nx.spring_layout(H, k=k, iterations=60 if n <= 600 else 30, seed=42, weight="weight")
    scale = 55.0 * math.sqrt(n) + 150.0
    return {p: (float(x) * scale, float(y) * scale) for p, (x, y) in pos.items()}




def external_references(html: str) -> list[str]:
    """Every place ``html`` would load something from another host (should be empty).

    Looks at ``src``/``href``/``data`` attributes of elements that load resources
    (``script``, ``link``, ``img``, ``iframe`` ...) and at CSS ``url(...)``/``@import``.
    Absolute URLs inside text, tooltips or script comments load nothing and are ignored.

    Examples
    --------
    >>> external_references('<script src="https://cdn.example/x.js"></script>')
    ['<script src="https://cdn.example/x.js']
    >>> external_references('<p>see https://arxiv.org</p><img src="data:image/png;base64,AA">')
    []
    """
    found = [m.group(0) for m in _EXTERNAL.finditer(html)]
    found += [m.group(0) for m in _CSS_EXTERNAL.finditer(html)]
    return found


_CDN_LINK = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//[^>]*>""", re.I | re.S)
_CDN_SCRIPT = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//[^>]*>\s*</script>""", re.I | re.S
)
_EMPTY_HEADING = re.compile(r"<center>\s*<h1>\s*</h1>\s*</center>", re.I)
# pyvis's template keeps a commented-out <script src=...>; vis-network names a source map
_DEAD_REFERENCES = re.compile(
    r"<!--(?:(?!-->).)*?node_modules(?:(?!-->).)*?-->|//# sourceMappingURL=[^\s<]+", re.S)

_PAGE_CSS = """
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial,
       sans-serif; color: #222; background: #fafafa; }
#kg-header { padding: 8px 14px; border-bottom: 1px solid #ddd; background: #fff; }
#kg-header h1 { font-size: 18px; margin: 0 0 4px 0; }
#kg-note { font-size: 13px; color: #555; margin: 0 0 6px 0; }
#kg-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: #333;
             list-style: none; margin: 0; padding: 0; }
#kg-legend li { display: flex; align-items: center; gap: 5px; }
#kg-legend .dot { width: 11px; height: 11px; border-radius: 50%; display: inline-block;
                  border: 1px solid rgba(0,0,0,.25); }
#kg-legend .line { width: 18px; height: 0; display: inline-block; border-top: 2px solid; }
#kg-legend .dashed { border-top-style: dashed; }
.card { width: 100%; }
#mynetwork { float: none !important; border: 0 !important; }
div.vis-tooltip { white-space: pre-wrap; max-width: 480px; font-family: inherit;
                  font-size: 12px; }
"""


def _legend(G, nodes: Iterable[str], edge_keys: set[str]) -> str:
    present: dict[str, str] = {}
    for n in nodes:
        d = G.nodes[n]
        if d.get("kind") == "concept":
            t = d.get("type") if d.get("type") in TYPE_COLORS else "Concept"
            present[t] = "concept"
        elif d.get("kind") in ("paper", "author"):
            present[d["kind"]] = d["kind"]
    order = [*TYPE_COLORS]
    names = {"paper": "Paper", "author": "Author", "Concept": "Concept (other)"}
    items = [
        f'<li><span class="dot" style="background:{TYPE_COLORS[k]}"></span>'
        f"{_html.escape(names.get(k, k))}</li>"
        for k in order if k in present
    ]
    edge_names = {"mentions": "mentions", "similar": "similar papers",
                  "cooccurs": "co-occurring concepts", "broader": "broader concept",
                  "author": "author"}
    for key in ("mentions", "similar", "cooccurs", "broader", "author"):
        if key in edge_keys:
            style = _EDGE_STYLE[key]
            dashed = " dashed" if style.get("dashes") else ""
            items.append(
                f'<li><span class="line{dashed}" style="border-color:{style["color"]}"></span>'
                f"{_html.escape(edge_names[key])}</li>"
            )
    return '<ul id="kg-legend">' + "".join(items) + "</ul>"


def render_html(
    G,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
    include_authors: bool = False,
    height: str = "calc(100vh - 96px)",
) -> str:
    """Return the self-contained HTML page of the map of ``G`` (see :func:`write_html`).

    Examples
    --------
    >>> import networkx as nx
    >>> html = render_html(nx.MultiDiGraph(), title="empty")
    >>> "<title>empty</title>" in html, "0 of 0 nodes" in html
    (True, True)
    """
    from pyvis.edge import Edge
    from pyvis.network import Network

    title = title or "kg knowledge graph"
    sel = select_view(G, max_nodes, include_authors=include_authors)
    if _is_model(G):
        G, papers_of, concepts_of = _drawn_part_of_model(G, sel)
    else:
        papers_of, concepts_of = _mention_lists(G)
    chosen = set(sel.nodes)

    edges: list[tuple[str, str, str, dict]] = []
    for u, v, key, data in G.edges(keys=True, data=True):
        if u in chosen and v in chosen and key in _EDGE_STYLE:
            edges.append((str(u), str(v), str(key), data))
    edges.sort(key=lambda e: (e[0], e[1], e[2]))
    positions = _layout(G, sel.nodes, [(u, v, k) for u, v, k, _ in edges])

    degree: dict[str, int] = {}
    for u, v, _, _ in edges:
        degree[u] = degree.get(u, 0) + 1
        degree[v] = degree.get(v, 0) + 1

    net = Network(height=height, width="100%", directed=False, cdn_resources="in_line",
                  bgcolor="#ffffff", font_color="#222222", heading="")
    for n in sel.nodes:
        d = G.nodes[n]
        kind = d.get("kind")
        x, y = positions.get(n, (0.0, 0.0))
        if kind == "concept":
            ctype = d.get("type") if d.get("type") in TYPE_COLORS else "Concept"
            count = d.get("paper_count") or len(papers_of.get(n, ()))
            size = 8 + 5 * math.log2(1 + count)
            discovered = d.get("source") == "discovered"
            font_size = 16 + min(12, int(3 * math.log2(1 + count))) if count else 12
            net.add_node(n, label=str(d.get("label") or n),
                         title=_tooltip(G, n, papers_of, concepts_of),
                         color=TYPE_COLORS[ctype], size=round(size, 2), x=round(x, 1),
                         y=round(y, 1), shape="dot",
                         font={"size": font_size, "color": "#222222" if count else "#777777"},
                         borderWidth=2 if discovered else 1,
                         shapeProperties={"borderDashes": [3, 3]} if discovered else {})
        elif kind == "paper":
            size = 5 + 2 * math.log2(1 + degree.get(n, 0))
            net.add_node(n, label=" ", title=_tooltip(G, n, papers_of, concepts_of),
                         color=TYPE_COLORS["paper"], size=round(size, 2), x=round(x, 1),
                         y=round(y, 1), shape="dot")
        else:
            net.add_node(n, label=str(d.get("name") or n),
                         title=_tooltip(G, n, papers_of, concepts_of),
                         color=TYPE_COLORS["author"], size=7, x=round(x, 1), y=round(y, 1),
                         shape="triangle", font={"size": 11})
    for u, v, key, data in edges:
        style = dict(_EDGE_STYLE[key])
        if key == "similar":
            w = float(data.get("weight") or 0.0)
            style["width"] = round(0.5 + 3 * w, 2)
            tip = f"similar papers: {w:.2f}"
        elif key == "mentions":
            tip = f"mentions ×{data.get('count', 1)}"
        elif key == "cooccurs":
            npmi = float(data.get("npmi") or 0)
            tip = f"co-occur in {data.get('support', '?')} papers (NPMI {npmi:.2f})"
        elif key == "broader":
            tip = "broader concept"
        else:
            tip = f"author #{data.get('position', '?')}"
        # Network.add_edge scans every node and edge per call (quadratic); the nodes are
        # known to exist, so append the edge as add_edge would.
        net.edges.append(Edge(u, v, False, title=tip, **style).options)

    options = {
        "physics": {"enabled": False},
        "interaction": {"hover": True, "tooltipDelay": 120, "hideEdgesOnDrag": len(edges) > 3000,
                        "navigationButtons": False, "keyboard": False},
        "edges": {"smooth": False},
        "nodes": {"borderWidth": 1, "font": {"face": "system-ui, sans-serif"}},
        "layout": {"improvedLayout": False},
    }
    net.set_options(json.dumps(options))

    # Render pyvis's template ourselves: generate_html() switches to innerHTML tooltips when
    # any title contains "href", which would turn paper titles into markup.
    nodes, edges_data, heading, height_, width, options_ = net.get_network_data()
    template = net.templateEnv.get_template(net.path)
    page = template.render(
        height=height_, width=width, nodes=nodes, edges=edges_data, heading="",
        options=options_, physics_enabled=False, use_DOT=False, dot_lang=[], widget=False,
        bgcolor=net.bgcolor, conf=False, tooltip_link=False, neighborhood_highlight=False,
        select_menu=False, filter_menu=False, notebook=False, cdn_resources="in_line",
    )
    page = _CDN_LINK.sub("", page)
    page = _CDN_SCRIPT.sub("", page)
    page = _EMPTY_HEADING.sub("", page)
    page = _DEAD_REFERENCES.sub("", page)

    if sel.truncated:
        note = (f"Showing {len(sel.nodes):,} of {sel.total:,} nodes: the {sel.concepts:,} "
                f"concepts in most papers and {sel.papers:,} of their papers.")
    else:
        note = f"Showing {len(sel.nodes):,} of {sel.total:,} nodes"
        parts = [f"{sel.papers:,} papers", f"{sel.concepts:,} concepts"]
        if include_authors:
            parts.append(f"{sel.authors:,} authors")
        note += " (" + ", ".join(parts) + ")."
    note += " Hover for details; scroll to zoom; drag to move."
    header = (
        f'<div id="kg-header"><h1>{_html.escape(title)}</h1>'
        f'<p id="kg-note">{_html.escape(note)}</p>'
        f"{_legend(G, sel.nodes, {k for _, _, k, _ in edges})}</div>"
    )
    head_extra = (
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_html.escape(title)}</title>\n<style>{_PAGE_CSS}</style>\n"
    )
    page = page.replace("<head>", "<head>\n" + head_extra, 1)
    page = re.sub(r"<body>", lambda m: "<body>\n" + header, page, count=1)
    if not page.lstrip().lower().startswith("<!doctype"):
        page = "<!DOCTYPE html>\n" + page
    bad = external_references(page)
    if bad:  # pragma: no cover - guards against a pyvis template change
        raise ExportError(f"the HTML map would load external resources: {bad[:3]}")
    return page


def write_html(
    G,
    path: str | os.PathLike[str],
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
    include_authors: bool = False,
) -> Path:
    """Write the interactive map of ``G`` as one self-contained HTML file.

    Parameters
    ----------
    G : networkx.MultiDiGraph
        A graph following the kg graph model.
    path : path-like
        The output file; written atomically (temporary file, then rename).
    max_nodes : int
        Most nodes drawn; larger graphs show a selection (see :func:`select_view`) and
        the page says so.
    title : str, optional
        Page title and heading (default "kg knowledge graph").
    include_authors : bool
        Draw authors too (only when everything fits in ``max_nodes``).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ExportError
        If the file cannot be written or ``max_nodes < 1``.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> out = write_html(nx.MultiDiGraph(), pathlib.Path(tempfile.mkdtemp()) / "g.html")
    >>> out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    page = render_html(G, max_nodes=max_nodes, title=title, include_authors=include_authors)
    with atomic_output(path, "w") as fh:
        fh.write(page)
    return Path(path)
