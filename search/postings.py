"""Which documents carry each filterable term, as compressed bitmaps held in memory.

The embedded backend keeps documents and full text in SQLite; what makes its filters and facet
counts fast is this structure, the same idea as a search engine's doc values and filter
caches: every term (a facet value, a status, an owner) maps to the bitmap of the documents that
carry it (Roaring bitmaps, ``pyroaring``).  A filter is a union of bitmaps, a combination of
filters an intersection, and a facet count is the size of an intersection: computed in C, in
microseconds, whatever the number of matching documents.

The bitmaps are a per-process cache of what SQLite holds.  Every write to SQLite stamps the
rows it changes with a new generation number; before answering, a search applies the rows
changed since the generation it has seen (:meth:`Postings.apply`), so several processes
sharing one SQLite file stay in step without talking to each other.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from pyroaring import BitMap

# Term groups besides the facets: what the permission filter and the status filters need.
STATUS, OWNER, CONCEPT, LATEST = "_status", "_owner", "_concept", "_latest"

Term = tuple[str, str]


@dataclass(frozen=True)
class Change:
    """A document as a write left it: its terms, or ``None`` once deleted."""

    doc: int
    terms: Iterable[Term] | None


class Postings:
    """The term bitmaps of one index, at one generation of the SQLite store."""

    def __init__(self, index: str) -> None:
        self.index = index
        self.generation = -1
        self.alive = BitMap()
        self._bitmaps: dict[str, dict[str, BitMap]] = {}
        # Each document's terms, to take it out of its old bitmaps when it changes.  The term
        # tuples are shared between documents, so this costs a pointer per term.
        self._terms_of: dict[int, tuple[Term, ...]] = {}
        self._shared: dict[Term, Term] = {}
        self._by_size: dict[str, list[tuple[str, BitMap]]] = {}  # facet terms, most frequent first

    def apply(self, changes: Iterable[Change], generation: int) -> None:
        self._by_size.clear()
        for change in changes:
            self._remove(change.doc)
            if change.terms is not None:
                self._add(change.doc, change.terms)
        self.generation = generation

    def _remove(self, doc: int) -> None:
        old = self._terms_of.pop(doc, None)
        if old is None:
            return
        self.alive.discard(doc)
        for group, key in old:
            bitmaps = self._bitmaps[group]
            bitmap = bitmaps[key]
            bitmap.discard(doc)
            if not bitmap:
                del bitmaps[key]

    def _add(self, doc: int, terms: Iterable[Term]) -> None:
        # Once each: a record naming the same creator twice carries the term once.
        shared = tuple(self._shared.setdefault(term, term) for term in dict.fromkeys(terms))
        self._terms_of[doc] = shared
        self.alive.add(doc)
        for group, key in shared:
            self._bitmaps.setdefault(group, {}).setdefault(key, BitMap()).add(doc)

    # -- questions ---------------------------------------------------------------------------

    def get(self, group: str, key: str) -> BitMap:
        return self._bitmaps.get(group, {}).get(key) or BitMap()

    def any_of(self, group: str, keys: Iterable[str]) -> BitMap:
        """The documents carrying at least one of ``keys``."""
        found = self._bitmaps.get(group, {})
        return BitMap.union(BitMap(), *(found[key] for key in keys if key in found))

    def counts(self, group: str, within: BitMap, size: int) -> list[tuple[str, int]]:
        """The ``size`` terms of ``group`` most frequent ``within`` (most frequent first, then
        by term), leaving out terms that occur in none of it.

        Terms are visited from the most frequent overall down; once a term occurs in fewer
        documents overall than the smallest count kept, no later one can enter the list, so
        a facet with tens of thousands of terms (creators) costs a few hundred intersections.
        """
        by_size = self._by_size.get(group)
        if by_size is None:
            bitmaps = self._bitmaps.get(group, {})
            by_size = sorted(bitmaps.items(), key=lambda item: -len(item[1]))
            self._by_size[group] = by_size
        weakest_first: list[tuple[int, _Reversed]] = []  # a min-heap of what is kept
        for key, bitmap in by_size:
            if len(weakest_first) == size and len(bitmap) < weakest_first[0][0]:
                break
            count = within.intersection_cardinality(bitmap)
            if count == 0:
                continue
            entry = (count, _Reversed(key))
            if len(weakest_first) < size:
                heapq.heappush(weakest_first, entry)
            elif entry > weakest_first[0]:
                heapq.heapreplace(weakest_first, entry)
        ranked = sorted(weakest_first, key=lambda entry: (-entry[0], str(entry[1])))
        return [(str(key), count) for count, key in ranked]


class _Reversed(str):
    """A term that compares in reverse, so the min-heap drops the later of two equal counts
    (Elasticsearch breaks ties by the term, ascending)."""

    __slots__ = ()

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)
