"""The kg ontology: a SKOS concept scheme of machine-learning concepts, loaded for lookup.

The ontology lives in Turtle files (``ontology/*.ttl`` in a checkout, shipped inside the
wheel as ``kg/_ontology``). Each concept is a ``skos:Concept`` that also has exactly one
type class from :data:`CONCEPT_TYPES` (``kgv:Method``, ``kgv:Model``, ...), one
``skos:prefLabel`` in English, any number of ``skos:altLabel``/``skos:hiddenLabel``, a
one-sentence ``skos:definition`` and ``skos:broader`` links. ``kgv:ambiguousLabel`` marks a
label a concept deliberately shares with another concept.

Parsing uses pyoxigraph, not rdflib (whose import alone takes about 0.1 s): loading the
packaged ontology (500+ concepts, about 6,000 triples) takes roughly 20-30 ms of CPU, and the
default ontology is parsed once per process (:func:`load_ontology` caches it).

Examples
--------
>>> onto = load_ontology()
>>> lora = onto.get(CONCEPT_NS + "lora")
>>> lora.label, lora.type
('LoRA', 'Method')
>>> [c.label for c in onto.find("low-rank adaptation")]
['LoRA']
>>> onto.find("LoRa")   # the radio technology is not LoRA: acronyms match exactly
[]
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from kg import iris as _iris
from kg.errors import OntologyError

__all__ = [
    "CONCEPT_NS",
    "CONCEPT_TYPES",
    "VOCAB_NS",
    "Concept",
    "Ontology",
    "breadth_first",
    "load_ontology",
    "match_case",
    "ontology_files",
]

#: Namespace of ontology concepts; a concept IRI is ``CONCEPT_NS + slug``.
CONCEPT_NS = _iris.CONCEPT_NS
#: Namespace of the kg vocabulary (``kgv:``); the same string as :data:`kg.export.rdf.vocab.VOCAB_NS`.
VOCAB_NS = _iris.VOCAB_NS
#: The concept types, each a class ``kgv:<Type>`` (a subclass of ``skos:Concept``).
CONCEPT_TYPES = (
    "Method",
    "Model",
    "Task",
    "Dataset",
    "Metric",
    "Phenomenon",
    "Theory",
    "Field",
)

_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_SKOS_CONCEPT = _SKOS + "Concept"
_PREF = _SKOS + "prefLabel"
_ALT = _SKOS + "altLabel"
_HIDDEN = _SKOS + "hiddenLabel"
_BROADER = _SKOS + "broader"
_DEFINITION = _SKOS + "definition"
_AMBIGUOUS = VOCAB_NS + "ambiguousLabel"
_TYPE_BY_CLASS = {VOCAB_NS + name: name for name in CONCEPT_TYPES}
_LABEL_PREDICATES = (_PREF, _ALT, _HIDDEN, _AMBIGUOUS)


@dataclass(frozen=True)
class Concept:
    """One ontology concept.

    Attributes
    ----------
    iri : str
        The concept IRI (``CONCEPT_NS + slug`` for the packaged ontology).
    label : str
        The ``skos:prefLabel`` in English.
    alt_labels : tuple of str
        ``skos:altLabel`` then ``skos:hiddenLabel`` values, in file order, without the label.
    type : str
        One of :data:`CONCEPT_TYPES`.
    broader : tuple of str
        IRIs of the direct ``skos:broader`` concepts.
    definition : str
        The ``skos:definition`` (empty if the file gives none).
    ambiguous_labels : tuple of str
        Labels this concept deliberately shares with another concept (``kgv:ambiguousLabel``).

    Examples
    --------
    >>> c = Concept("https://w3id.org/paper-kg/concept/sgd", "stochastic gradient descent",
    ...             ("SGD",), "Method", (), "Gradient descent on minibatch estimates.")
    >>> c.labels
    ('stochastic gradient descent', 'SGD')
    >>> c.slug
    'sgd'
    """

    iri: str
    label: str
    alt_labels: tuple[str, ...]
    type: str
    broader: tuple[str, ...]
    definition: str
    ambiguous_labels: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """The preferred label followed by the alternative labels."""
        return (self.label, *self.alt_labels)

    @property
    def slug(self) -> str:
        """The last path segment of the IRI (after ``/`` or ``#``)."""
        return re.split(r"[/#]", self.iri)[-1]


def match_case(label: str) -> bool:
    """Whether a label must be matched case-sensitively.

    A label is case-sensitive when it has an upper-case letter after its first character:
    acronyms and CamelCase names ("LoRA", "SAM", "CIFAR-10", "ImageNet"). Words that are
    merely capitalized ("Adam") and lower-case terms match in any case.

    Parameters
    ----------
    label : str
        A concept label.

    Returns
    -------
    bool
        True for labels that must match exactly, False for case-insensitive ones.

    Examples
    --------
    >>> [match_case(s) for s in ("LoRA", "SAM", "NTK", "GPT-4", "ImageNet")]
    [True, True, True, True, True]
    >>> [match_case(s) for s in ("scaling law", "Adam", "dropout")]
    [False, False, False]
    """
    rest = label[1:]
    return rest.lower() != rest


def _norm_key(label: str) -> str:
    """NFC-normalize and collapse white space (the case is left to the caller)."""
    if not label.isascii():
        label = unicodedata.normalize("NFC", label)
    return " ".join(label.split())


def breadth_first(start, step) -> list:
    """The nodes reachable from ``start`` by ``step(node)`` (an iterable of next nodes),
    nearest first, each once, ``start`` itself left out: the walk of the ``broader`` and
    ``narrower`` hierarchy, of the ontology or of a model.

    Examples
    --------
    >>> breadth_first("a", {"a": ["b", "c"], "b": ["d", "a"], "c": ["d"], "d": []}.__getitem__)
    ['b', 'c', 'd']
    """
    seen = {start}
    order: list = []
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in step(node):
                if nxt not in seen:
                    seen.add(nxt)
                    order.append(nxt)
                    following.append(nxt)
        frontier = following
    return order


class Ontology:
    """The loaded concepts with label and hierarchy lookups.

    Parameters
    ----------
    concepts : iterable of Concept
        The concepts; they are stored by IRI in IRI order. Every ``broader`` target must be
        one of them and the ``broader`` links must not form a cycle.
    files : sequence of Path, optional
        The files the concepts were read from (kept for messages and reports).

    Raises
    ------
    OntologyError
        If two concepts share an IRI, a ``broader`` target is unknown, or ``broader`` links
        form a cycle.

    Examples
    --------
    >>> ns = CONCEPT_NS
    >>> ft = Concept(ns + "fine-tuning", "fine-tuning", ("finetuning",), "Method", (), "")
    >>> lora = Concept(ns + "lora", "LoRA", ("low-rank adaptation",), "Method",
    ...                (ns + "fine-tuning",), "")
    >>> onto = Ontology([lora, ft])
    >>> len(onto), ns + "lora" in onto
    (2, True)
    >>> [c.label for c in onto.find("Fine-Tuning")]
    ['fine-tuning']
    >>> onto.find("lora")
    []
    >>> onto.ancestors(ns + "lora") == [ns + "fine-tuning"]
    True
    >>> onto.narrower(ns + "fine-tuning") == [ns + "lora"]
    True
    """

    def __init__(self, concepts, files: Sequence[Path] = ()) -> None:
        ordered = sorted(concepts, key=lambda c: c.iri)
        self.concepts: dict[str, Concept] = {}
        for concept in ordered:
            if concept.iri in self.concepts:
                raise OntologyError(f"concept defined twice: <{concept.iri}>")
            self.concepts[concept.iri] = concept
        self.files: tuple[Path, ...] = tuple(files)
        self._narrower: dict[str, list[str]] = {iri: [] for iri in self.concepts}
        for concept in ordered:
            for parent in concept.broader:
                if parent not in self.concepts:
                    raise OntologyError(
                        f"<{concept.iri}> has skos:broader <{parent}>, which is not a concept"
                    )
                self._narrower[parent].append(concept.iri)
        self._check_cycles()
        self._exact: dict[str, list[Concept]] = {}
        self._folded: dict[str, list[Concept]] = {}
        for concept in ordered:
            for label in dict.fromkeys(concept.labels + concept.ambiguous_labels):
                key = _norm_key(label)
                index = self._exact if match_case(key) else self._folded
                key = key if index is self._exact else key.casefold()
                bucket = index.setdefault(key, [])
                if concept not in bucket:
                    bucket.append(concept)

    def _check_cycles(self) -> None:
        state: dict[str, int] = {}  # 1 = on the current path, 2 = done

        for root in self.concepts:
            if state.get(root):
                continue
            stack = [(root, iter(self.concepts[root].broader))]
            state[root] = 1
            while stack:
                node, parents = stack[-1]
                for parent in parents:
                    if state.get(parent) == 1:
                        raise OntologyError(f"skos:broader cycle through <{parent}>")
                    if not state.get(parent):
                        state[parent] = 1
                        stack.append((parent, iter(self.concepts[parent].broader)))
                        break
                else:
                    state[node] = 2
                    stack.pop()

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts.values())

    def __contains__(self, iri: object) -> bool:
        return iri in self.concepts

    def __repr__(self) -> str:
        return f"<Ontology of {len(self)} concepts>"

    def get(self, iri: str) -> Concept | None:
        """The concept with this IRI, or None if there is none.

        Examples
        --------
        >>> load_ontology().get(CONCEPT_NS + "no-such-concept") is None
        True
        """
        return self.concepts.get(iri)

    def _require(self, iri: str) -> Concept:
        concept = self.concepts.get(iri)
        if concept is None:
            raise OntologyError(f"not an ontology concept: <{iri}>")
        return concept

    def find(self, label: str) -> list[Concept]:
        """Concepts having this label (preferred, alternative, hidden or ambiguous).

        White space is collapsed; case is ignored except for case-sensitive labels (see
        :func:`match_case`), which must be given exactly.

        Parameters
        ----------
        label : str
            The label to look up.

        Returns
        -------
        list of Concept
            The matching concepts in IRI order (empty if none; more than one only for
            ambiguous labels).

        Examples
        --------
        >>> onto = load_ontology()
        >>> [c.slug for c in onto.find("Over-parameterized")]
        ['over-parameterization']
        >>> [c.slug for c in onto.find("NTK")], onto.find("ntk")
        (['neural-tangent-kernel'], [])
        """
        key = _norm_key(label)
        found = list(self._exact.get(key, ()))
        for concept in self._folded.get(key.casefold(), ()):
            if concept not in found:
                found.append(concept)
        if len(found) > 1:
            found.sort(key=lambda c: c.iri)
        return found

    def narrower(self, iri: str) -> list[str]:
        """IRIs of the concepts whose ``skos:broader`` is ``iri`` (direct children).

        Raises
        ------
        OntologyError
            If ``iri`` is not a concept.

        Examples
        --------
        >>> onto = load_ontology()
        >>> CONCEPT_NS + "qlora" in onto.narrower(CONCEPT_NS + "lora")
        True
        """
        self._require(iri)
        return list(self._narrower[iri])

    def descendants(self, iri: str) -> list[str]:
        """IRIs of all concepts below ``iri``, nearest first, each once.

        Examples
        --------
        >>> onto = load_ontology()
        >>> CONCEPT_NS + "qlora" in onto.descendants(CONCEPT_NS + "fine-tuning")
        True
        """
        self._require(iri)
        return breadth_first(iri, lambda node: self._narrower[node])

    def ancestors(self, iri: str) -> list[str]:
        """IRIs of all concepts above ``iri`` (transitive ``skos:broader``), nearest first.

        Raises
        ------
        OntologyError
            If ``iri`` is not a concept.

        Examples
        --------
        >>> onto = load_ontology()
        >>> CONCEPT_NS + "fine-tuning" in onto.ancestors(CONCEPT_NS + "lora")
        True
        """
        self._require(iri)
        return breadth_first(iri, lambda node: self.concepts[node].broader)

    def by_type(self, type_: str) -> list[Concept]:
        """The concepts of one type, in IRI order.

        Examples
        --------
        >>> "ImageNet" in [c.label for c in load_ontology().by_type("Dataset")]
        True
        """
        if type_ not in CONCEPT_TYPES:
            raise OntologyError(f"unknown concept type {type_!r}; expected one of {CONCEPT_TYPES}")
        return [c for c in self if c.type == type_]

    def label_conflicts(self) -> list[tuple[str, tuple[str, ...]]]:
        """Labels shared by several concepts that not all of them declare ambiguous.

        A label is shared when it is equal (case-sensitive labels) or equal ignoring case
        (other labels) across concepts; sharing is fine only if every concept involved lists
        it in ``ambiguous_labels``.

        Returns
        -------
        list of (str, tuple of str)
            Each conflicting label with the IRIs of the concepts that share it.

        Examples
        --------
        >>> load_ontology().label_conflicts()
        []
        """
        conflicts = []
        for index, fold in ((self._exact, False), (self._folded, True)):
            for key, concepts in index.items():
                if len(concepts) < 2:
                    continue
                declared = all(
                    any(
                        (_norm_key(a).casefold() == key) if fold else (_norm_key(a) == key)
                        for a in c.ambiguous_labels
                    )
                    for c in concepts
                )
                if not declared:
                    conflicts.append((key, tuple(c.iri for c in concepts)))
        return sorted(conflicts)


def ontology_files() -> list[Path]:
    """The packaged ontology files, sorted by name.

    In an installed wheel they are ``kg/_ontology/*.ttl``; in a checkout or an editable
    install they are ``<repo>/ontology/*.ttl``.

    Returns
    -------
    list of Path
        The Turtle files (empty only if the package is broken).

    Examples
    --------
    >>> all(p.suffix == ".ttl" for p in ontology_files()) and len(ontology_files()) > 0
    True
    """
    packaged = Path(__file__).resolve().parent / "_ontology"
    if packaged.is_dir():
        return sorted(packaged.glob("*.ttl"))
    checkout = Path(__file__).resolve().parents[1] / "ontology"
    return sorted(checkout.glob("*.ttl"))


_WANTED = frozenset((_RDF_TYPE, _BROADER, _DEFINITION) + _LABEL_PREDICATES)


def _parse(path: Path) -> list:
    """The quads of one Turtle file (pyoxigraph terms)."""
    import pyoxigraph

    try:
        return list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
    except SyntaxError as exc:
        where = f"{path}" if f"line {exc.lineno}" in exc.msg else f"{path} (line {exc.lineno})"
        raise OntologyError(f"cannot parse ontology file {where}: {exc.msg}") from None
    except OSError as exc:
        raise OntologyError(f"cannot read ontology file {path}: {exc.strerror or exc}") from None


def _read_concepts(paths: Sequence[Path]) -> list[Concept]:
    """Parse the files and build one :class:`Concept` per ``skos:Concept`` subject."""
    from pyoxigraph import Literal, NamedNode

    # subject IRI -> predicate IRI -> [(value, language or None, is_literal)]
    facts: dict[str, dict[str, list[tuple[str, str | None, bool]]]] = {}
    origin: dict[str, Path] = {}
    for path in paths:
        for quad in _parse(path):
            subject, predicate = quad.subject, quad.predicate.value
            if predicate not in _WANTED or type(subject) is not NamedNode:
                continue
            obj = quad.object
            is_literal = type(obj) is Literal
            fact = (obj.value, obj.language if is_literal else None, is_literal)
            props = facts.get(subject.value)
            if props is None:
                props = facts[subject.value] = {}
                origin[subject.value] = path
            props.setdefault(predicate, []).append(fact)

    def literals(props, predicate, untagged=True):
        values = [
            _norm_key(value)
            for value, lang, is_literal in props.get(predicate, ())
            if is_literal and (lang == "en" or (untagged and lang is None))
        ]
        return list(dict.fromkeys(values))

    concepts = []
    for iri, props in facts.items():
        classes = [value for value, _, is_literal in props.get(_RDF_TYPE, ()) if not is_literal]
        if _SKOS_CONCEPT not in classes:
            continue
        where = f"<{iri}> (in {origin[iri].name})"
        prefs = literals(props, _PREF, untagged=False) or literals(props, _PREF)
        if len(prefs) != 1:
            raise OntologyError(f"{where} needs exactly one skos:prefLabel@en, has {len(prefs)}")
        label = prefs[0]
        types = sorted({_TYPE_BY_CLASS[c] for c in classes if c in _TYPE_BY_CLASS})
        if len(types) != 1:
            names = ", ".join("kgv:" + t for t in CONCEPT_TYPES)
            raise OntologyError(f"{where} needs exactly one type among {names}; has {types}")
        alts = [a for a in literals(props, _ALT) + literals(props, _HIDDEN) if a != label]
        definitions = literals(props, _DEFINITION)
        broader = [value for value, _, is_literal in props.get(_BROADER, ()) if not is_literal]
        concepts.append(
            Concept(
                iri=iri,
                label=label,
                alt_labels=tuple(dict.fromkeys(alts)),
                type=types[0],
                broader=tuple(dict.fromkeys(broader)),
                definition=definitions[0] if definitions else "",
                ambiguous_labels=tuple(literals(props, _AMBIGUOUS)),
            )
        )
    return concepts


@functools.lru_cache(maxsize=1)
def _default_ontology() -> Ontology:
    files = ontology_files()
    if not files:
        raise OntologyError("no ontology files found: the kg installation is incomplete")
    return Ontology(_read_concepts(files), files)


def load_ontology(
    paths: Sequence[str | Path] | None = None, *, include_default: bool = True
) -> Ontology:
    """Load the ontology.

    Parameters
    ----------
    paths : sequence of str or Path, optional
        Extra Turtle files extending the packaged ontology (new concepts, or more labels and
        ``skos:broader`` links for existing ones). None loads the packaged ontology only,
        parsed once per process and shared: treat it as read-only.
    include_default : bool, default True
        With ``paths``, whether the packaged files are loaded too; False loads only ``paths``.

    Returns
    -------
    Ontology
        The concepts and their lookups.

    Raises
    ------
    OntologyError
        If a file cannot be read or parsed (the message names the file and line), or the
        concepts are inconsistent (a concept without exactly one English prefLabel or
        exactly one type, an unknown ``skos:broader`` target, a ``skos:broader`` cycle).

    Examples
    --------
    >>> onto = load_ontology()
    >>> onto is load_ontology()
    True
    >>> len(onto) >= 40
    True
    """
    if paths is None:
        return _default_ontology()
    files = [Path(p) for p in paths]
    if include_default:
        files = ontology_files() + files
    return Ontology(_read_concepts(files), files)
