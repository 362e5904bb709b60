"""A four-paper model for the examples of the query modules (and a quick try-out).

Papers p1 and p2 are about the neural tangent kernel at infinite width, p3 about LoRA,
p4 about both LoRA and infinite width; p4 has no date.

Examples
--------
>>> M = example_model()
>>> M.counts()["nodes"]
{'concept': 3, 'paper': 4}
"""
from __future__ import annotations

from kg.iris import concept_iri
from kg.model import GraphModel

__all__ = ["example_inputs", "example_model"]


def example_model() -> GraphModel:
    """The :class:`kg.model.GraphModel` of :func:`example_inputs` (every link kept).

    Examples
    --------
    >>> example_model().counts()["edges"]["similar"]
    4
    """
    return GraphModel.build(*example_inputs(), min_cooccurrence=2, max_df=1.0)


def example_inputs() -> tuple[list, list]:
    """The papers and extraction records of :func:`example_model`.

    Examples
    --------
    >>> papers, records = example_inputs()
    >>> len(papers), [len(r["concepts"]) for r in records]
    (4, [2, 2, 1, 2])
    """

    def concept(slug, label, alt=()):
        return {"iri": concept_iri(slug), "label": label, "alt_labels": list(alt),
                "source": "ontology", "score": 1.0,
                "mentions": [{"field": "title", "start": 0, "end": 1, "text": label[:1],
                              "sentence": f"About {label}."}]}

    ntk = ("neural-tangent-kernel", "neural tangent kernel", ("NTK",))
    width = ("infinite-width", "infinite width")
    lora = ("lora", "LoRA", ("low-rank adaptation",))
    papers = [
        {"id": "p1", "title": "NTK one", "abstract": "", "date": "2025-01-10"},
        {"id": "p2", "title": "NTK two", "abstract": "", "date": "2025-02-03"},
        {"id": "p3", "title": "LoRA three", "abstract": "", "date": "2025-02-20"},
        {"id": "p4", "title": "Mixed four", "abstract": "", "date": None},
    ]
    records = [
        {"id": "p1", "concepts": [concept(*ntk), concept(*width)]},
        {"id": "p2", "concepts": [concept(*ntk), concept(*width)]},
        {"id": "p3", "concepts": [concept(*lora)]},
        {"id": "p4", "concepts": [concept(*lora), concept(*width)]},
    ]
    return papers, records
