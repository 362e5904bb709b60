"""Questions to a built graph, answered from its :class:`kg.model.GraphModel`.

One module per family of questions, each a set of functions that take the model and
return plain data (what the query commands print, and their ``--json``):

- :mod:`kg.query.resolve`: what a user types to a node (labels, acronyms, ids, titles);
- :mod:`kg.query.concepts`: a concept's papers, neighbours and trend; emerging and
  discovered concepts;
- :mod:`kg.query.related`: papers like a paper;
- :mod:`kg.query.paths`: how two nodes connect, every step explained;
- :mod:`kg.query.stats`: counts, communities, centrality;
- :mod:`kg.query.communities`: concept communities numbered and named;
- :mod:`kg.query.evidence`: paper links and evidence sentences.

Examples
--------
>>> from kg.query.examples import example_model
>>> M = example_model()
>>> resolve_concept(M, "ntk")
'https://w3id.org/paper-kg/concept/neural-tangent-kernel'
>>> [r["id"] for r in related_papers(M, "p1")]
['p2', 'p4']
>>> [step["relation"] for step in shortest_path(M, "p1", "LoRA")]
['similar', 'mentions']
"""
from kg.query.communities import community_ids, community_names, community_table
from kg.query.concepts import (
    concept_summary,
    concept_trend,
    discovered_concepts,
    emerging_concepts,
    period_of,
)
from kg.query.evidence import link_of, mention_evidence, paper_link, paper_record
from kg.query.paths import PATH_RELATIONS, shortest_path
from kg.query.related import related_papers
from kg.query.resolve import node_attrs, node_label, resolve_concept, resolve_node, resolve_paper
from kg.query.stats import (
    COMMUNITY_MAX_CONCEPTS,
    centrality,
    concept_communities,
    graph_stats,
    paper_communities,
)

__all__ = [
    "COMMUNITY_MAX_CONCEPTS",
    "PATH_RELATIONS",
    "centrality",
    "community_ids",
    "community_names",
    "community_table",
    "concept_communities",
    "concept_summary",
    "concept_trend",
    "discovered_concepts",
    "emerging_concepts",
    "graph_stats",
    "link_of",
    "mention_evidence",
    "paper_link",
    "paper_record",
    "node_attrs",
    "node_label",
    "paper_communities",
    "period_of",
    "related_papers",
    "resolve_concept",
    "resolve_node",
    "resolve_paper",
    "shortest_path",
]
