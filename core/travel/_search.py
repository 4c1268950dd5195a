"""``get_anything``'s engine: one index over clients, travelers, trips and items, searched by substring and
typo.

How it works (measured on 100k clients / 200k trips: see ``bench/search.py``):

- Every searchable record has one row in ``search_docs`` with normalised text (lower case, accents and
  apostrophes removed) in three fields: ``title`` (names), ``tags`` (emails, phones, destinations,
  confirmation numbers, places) and ``body`` (notes). An FTS5 index with the ``trigram`` tokenizer (external
  content) makes any substring of three or more characters a fast lookup. The services keep the rows current
  in the same transaction as the change (``index_*`` below); ``rebuild`` recreates everything.
- A query is split into words; candidates are the docs containing every word (FTS5, newest first, capped),
  plus docs whose title starts with the query (B-tree index) so exact names are never crowded out.
- Words that match nothing are treated as typos: ``search_vocab`` holds every word of four or more letters
  seen in the index; rapidfuzz finds the closest ones (same length ±2) and those are searched instead, scored
  lower.
- Candidates are scored in Python by where and how the query matched (exact name > name prefix > word start >
  tag > substring > notes), so the ranking is explainable and tested, not a black box.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

__all__ = ["DocText", "RawHit", "Searcher", "delete_doc", "normalize", "upsert_doc", "vocab_words"]

CANDIDATES = 300  # per FTS query: enough to rank well, small enough to stay fast on any query
TITLE_PREFIX_CANDIDATES = 50
KIND_BONUS = {"client": 0.02, "trip": 0.015, "traveler": 0.01, "item": 0.0}
SEPARATOR = " | "

_APOSTROPHES = str.maketrans("", "", "'’`´")
_DROP = re.compile(r"[^\w@.+\-]+")  # keep letters and digits of any script, and what emails and phones use
_WORD = re.compile(r"[a-z]{4,24}")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{7,}$")


def normalize(text: str) -> str:
    """Search form of a text: ``"Zoë O'Brien, Lisboa"`` -> ``"zoe obrien lisboa"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().translate(_APOSTROPHES)
    return " ".join(_DROP.sub(" ", plain).split())


def vocab_words(text: str) -> set[str]:
    """The words of a normalised text that typo correction may suggest (letters only, 4–24 long)."""
    return set(_WORD.findall(text))


def digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


@dataclass(frozen=True)
class DocText:
    title: str
    tags: Sequence[str] = ()
    body: Sequence[str] = ()

    def normalized(self) -> tuple[str, str, str]:
        title = normalize(self.title)
        tags = SEPARATOR.join(t for t in (normalize(x) for x in self.tags if x) if t)
        body = " ".join(t for t in (normalize(x) for x in self.body if x) if t)
        return title, tags, body


def upsert_doc(
    conn: sqlite3.Connection, kind: str, ref_id: int, agency_id: int, archived: bool, text: DocText
) -> None:
    """Index (or re-index) one record. A re-indexed doc gets a new id: recently touched records rank first."""
    title, tags, body = text.normalized()
    delete_doc(conn, kind, ref_id)
    cur = conn.execute(
        "INSERT INTO search_docs (kind, ref_id, agency_id, archived, title, tags, body) VALUES (?, ?, ?, "
        "?, ?, ?, ?)",
        (kind, ref_id, agency_id, int(archived), title, tags, body),
    )
    conn.execute(
        "INSERT INTO search_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
        (cur.lastrowid, title, tags, body),
    )
    words = vocab_words(f"{title} {tags} {body}")
    if words:
        conn.executemany("INSERT OR IGNORE INTO search_vocab (token) VALUES (?)", [(w,) for w in words])


def delete_doc(conn: sqlite3.Connection, kind: str, ref_id: int) -> None:
    row = conn.execute(
        "SELECT id, title, tags, body FROM search_docs WHERE kind = ? AND ref_id = ?", (kind, ref_id)
    ).fetchone()
    if row is None:
        return
    conn.execute(
        "INSERT INTO search_fts (search_fts, rowid, title, tags, body) VALUES ('delete', ?, ?, ?, ?)",
        (row[0], row[1], row[2], row[3]),
    )
    conn.execute("DELETE FROM search_docs WHERE id = ?", (row[0],))


def set_archived(conn: sqlite3.Connection, kind: str, ref_id: int, archived: bool) -> None:
    conn.execute(
        "UPDATE search_docs SET archived = ? WHERE kind = ? AND ref_id = ?", (int(archived), kind, ref_id)
    )


def bulk_load(conn: sqlite3.Connection, docs: Iterable[tuple[str, int, int, bool, DocText]]) -> int:
    """Replace the whole index with ``docs`` (kind, ref_id, agency_id, archived, text). Call inside a
    transaction."""
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('delete-all')")
    conn.execute("DELETE FROM search_docs")
    conn.execute("DELETE FROM search_vocab")
    vocab: set[str] = set()
    count = 0
    batch: list[tuple[str, int, int, int, str, str, str]] = []

    def flush() -> None:
        conn.executemany(
            "INSERT INTO search_docs (kind, ref_id, agency_id, archived, title, tags, body) VALUES (?, ?, "
            "?, ?, ?, ?, ?)",
            batch,
        )
        batch.clear()

    for kind, ref_id, agency_id, archived, text in docs:
        title, tags, body = text.normalized()
        batch.append((kind, ref_id, agency_id, int(archived), title, tags, body))
        vocab |= vocab_words(f"{title} {tags} {body}")
        count += 1
        if len(batch) >= 5000:
            flush()
    flush()
    conn.execute("INSERT INTO search_fts (search_fts) VALUES ('rebuild')")
    conn.executemany("INSERT OR IGNORE INTO search_vocab (token) VALUES (?)", [(w,) for w in sorted(vocab)])
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('search_generation', '1') ON CONFLICT (key) DO UPDATE SET "
        "value = CAST(value AS INTEGER) + 1"
    )
    return count


# ------------------------------------------------------------------------------------------------------------
# Searching
# ------------------------------------------------------------------------------------------------------------


@dataclass
class RawHit:
    """A scored doc, before the services turn it into a ``Hit`` with a display title and subtitle."""

    doc_id: int
    kind: str
    ref_id: int
    score: float
    field: str  # "title", "tags" or "body": where the query matched best
    correction: str = ""  # "lisbn -> lisbon" when found through typo correction
    term: str = ""  # the (normalised, possibly corrected) text that matched


@dataclass
class _Vocab:
    """The typo vocabulary of one index, bucketed for speed: by length, and by (first letter, length)."""

    generation: str = ""
    max_id: int = 0
    by_length: dict[int, list[str]] = field(default_factory=dict[int, list[str]])
    by_initial: dict[tuple[str, int], list[str]] = field(default_factory=dict[tuple[str, int], list[str]])
    # A memo of candidate lists.
    windows: dict[tuple[str, int], list[str]] = field(default_factory=dict[tuple[str, int], list[str]])

    def add(self, token: str) -> None:
        self.by_length.setdefault(len(token), []).append(token)
        self.by_initial.setdefault((token[0], len(token)), []).append(token)

    def candidates(self, word: str, *, same_initial: bool) -> list[str]:
        """Known words within two letters of ``word``'s length (optionally only those with its initial)."""
        key = (word[0] if same_initial else "", len(word))
        found = self.windows.get(key)
        if found is None:
            lengths = range(len(word) - 2, len(word) + 3)
            if same_initial:
                found = [w for n in lengths for w in self.by_initial.get((word[0], n), ())]
            else:
                found = [w for n in lengths for w in self.by_length.get(n, ())]
            self.windows[key] = found
        return found


_DOC_COLUMNS = "d.id, d.kind, d.ref_id, d.title, d.tags, d.body"


class Searcher:
    """Runs queries against one store's index; keeps the typo vocabulary cached (refreshed when it grows)."""

    def __init__(self) -> None:
        self._vocab = _Vocab()
        self._lock = threading.Lock()

    def search(
        self,
        conn: sqlite3.Connection,
        agency_id: int,
        query: str,
        *,
        limit: int = 20,
        kinds: Sequence[str] | None = None,
        include_archived: bool = False,
    ) -> list[RawHit]:
        q = normalize(query)
        if _PHONE_LIKE.match(query.strip()) and len(digits(query)) >= 6:
            q = digits(query)
        if not q:
            return []
        words = list(dict.fromkeys(q.split()))
        filters = " AND d.agency_id = ?" + ("" if include_archived else " AND d.archived = 0")
        params: list[object] = [agency_id]
        if kinds:
            filters += f" AND d.kind IN ({', '.join('?' * len(kinds))})"
            params.extend(kinds)

        rows: dict[int, sqlite3.Row] = {}
        # 1. Titles starting with the whole query (exact names, wherever they are in the index).
        upper = q[:-1] + chr(ord(q[-1]) + 1)
        for row in conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM search_docs d WHERE d.title >= ? AND d.title < ?{filters} ORDER BY "
            f"d.title LIMIT {TITLE_PREFIX_CANDIDATES}",
            [q, upper, *params],
        ):
            rows[row[0]] = row
        # 2. Docs containing every word (and, for several words, the whole phrase), newest first.
        searchable = [w for w in words if len(w) >= 3]
        if searchable:
            every_word = self._fts(conn, " AND ".join(_quote(w) for w in searchable), filters, params)
            rows.update(every_word)
            if len(searchable) > 1 and len(every_word) >= CANDIDATES:  # capped: make sure the phrase is in
                rows.update(self._fts(conn, _quote(q), filters, params))

        hits = [self._score(r, q, words) for r in rows.values()]
        hits = [h for h in hits if h.score > 0]

        # 3. Nothing contains every word: correct the words that match nothing anywhere (typos) to their
        #    closest known words, or, if each word matches somewhere, rank docs by how many words they have.
        if not rows and searchable:
            hits.extend(self._fuzzy(conn, q, searchable, filters, params, exclude=set(rows)))

        hits.sort(key=lambda h: (-h.score, -h.doc_id))
        return hits[:limit]

    def _fts(
        self, conn: sqlite3.Connection, match: str, filters: str, params: list[object]
    ) -> dict[int, sqlite3.Row]:
        sql = (
            f"SELECT {_DOC_COLUMNS} FROM search_fts f JOIN search_docs d ON d.id = f.rowid WHERE search_fts "
            f"MATCH ?{filters} ORDER BY f.rowid DESC LIMIT {CANDIDATES}"
        )
        return {row[0]: row for row in conn.execute(sql, [match, *params])}

    def _fuzzy(
        self,
        conn: sqlite3.Connection,
        q: str,
        words: list[str],
        filters: str,
        params: list[object],
        *,
        exclude: set[int],
    ) -> list[RawHit]:
        if not words:
            return []
        groups: list[list[tuple[str, float]]] = []  # per word: (term, similarity 0..1)
        corrected: list[str] = []
        for word in words:
            exists = conn.execute(
                "SELECT 1 FROM search_fts WHERE search_fts MATCH ? LIMIT 1", [_quote(word)]
            ).fetchone()
            if exists:
                groups.append([(word, 1.0)])
                continue
            options = self._corrections(conn, word)
            if not options:
                continue  # matches nothing, resembles nothing: ignore it rather than fail the query
            groups.append(options)
            corrected.append(f"{word} -> {options[0][0]}")
        if not corrected:
            if len(words) > 1 and len(groups) == len(words):
                return self._any_word(conn, q, words, filters, params, exclude)
            return []
        match = " AND ".join("(" + " OR ".join(_quote(t) for t, _ in g) + ")" for g in groups)
        rows = self._fts(conn, match, filters, params)
        out: list[RawHit] = []
        for doc_id, row in rows.items():
            if doc_id in exclude:
                continue
            terms = [
                max(((t, s) for t, s in g if t in _fields(row)), key=lambda ts: ts[1], default=g[0])
                for g in groups
            ]
            hit = self._score(row, " ".join(t for t, _ in terms), [t for t, _ in terms])
            similarity = min(s for _, s in terms)
            hit.score = round(hit.score * 0.85 * similarity, 4)
            hit.correction = ", ".join(corrected)
            if hit.score > 0:
                out.append(hit)
        return out

    def _any_word(
        self,
        conn: sqlite3.Connection,
        q: str,
        words: list[str],
        filters: str,
        params: list[object],
        exclude: set[int],
    ) -> list[RawHit]:
        """Every word matches somewhere but no doc has them all: rank docs by how many words they have."""
        rows = self._fts(conn, " OR ".join(_quote(w) for w in words), filters, params)
        return [
            h for h in (self._score(r, q, words) for i, r in rows.items() if i not in exclude) if h.score > 0
        ]

    def _corrections(self, conn: sqlite3.Connection, word: str) -> list[tuple[str, float]]:
        """Up to three known words close to ``word`` (rapidfuzz ratio), with their similarity 0..1.

        Most typos keep the first letter, so words sharing it are tried first (a twentieth of the vocabulary);
        only when none is close enough is the whole vocabulary of similar length compared.
        """
        if len(word) < 4 or not word.isalpha():
            return []
        vocab = self._refresh_vocab(conn)
        cutoff = 74.0 if len(word) <= 5 else 78.0
        for same_initial in (True, False):
            choices = vocab.candidates(word, same_initial=same_initial)
            found = process.extract(word, choices, scorer=fuzz.ratio, limit=3, score_cutoff=cutoff)
            if found:
                return [(term, score / 100.0) for term, score, _ in found]
        return []

    def _refresh_vocab(self, conn: sqlite3.Connection) -> _Vocab:
        """The cached vocabulary, topped up with words added since (by any process), reset by rebuilds."""
        generation = conn.execute("SELECT value FROM meta WHERE key = 'search_generation'").fetchone()
        gen = str(generation[0]) if generation else ""
        max_id = int(conn.execute("SELECT IFNULL(MAX(id), 0) FROM search_vocab").fetchone()[0])
        with self._lock:
            vocab = self._vocab
            if vocab.generation != gen or max_id < vocab.max_id:
                vocab = _Vocab(generation=gen)
            if max_id > vocab.max_id:
                fresh = _Vocab(generation=gen, max_id=max_id)
                for bucket in vocab.by_length.values():
                    for token in bucket:
                        fresh.add(token)
                for (token,) in conn.execute("SELECT token FROM search_vocab WHERE id > ?", [vocab.max_id]):
                    fresh.add(token)
                vocab = fresh
            self._vocab = vocab
            return vocab

    @staticmethod
    def _score(row: sqlite3.Row, q: str, words: list[str]) -> RawHit:
        title, tags, body = row[3], row[4], row[5]
        score, where = _match_quality(q, title, tags, body)
        if score == 0 and len(words) > 1:
            per_word = [_match_quality(w, title, tags, body) for w in words]
            found = [s for s, _ in per_word if s > 0]
            if found:
                score = 0.9 * sum(found) / len(words)
                where = max(per_word)[1]
        if score > 0:
            score = min(1.0, score + KIND_BONUS.get(row[1], 0.0))
        return RawHit(doc_id=row[0], kind=row[1], ref_id=row[2], score=round(score, 4), field=where, term=q)


def _fields(row: sqlite3.Row) -> str:
    return f"{row[3]} {row[4]} {row[5]}"


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _at_word_start(needle: str, haystack: str) -> bool:
    i = haystack.find(needle)
    while i != -1:
        if i == 0 or not haystack[i - 1].isalnum():
            return True
        i = haystack.find(needle, i + 1)
    return False


def _match_quality(q: str, title: str, tags: str, body: str) -> tuple[float, str]:
    """How well ``q`` matches a doc, 0..1, and in which field. The ladder is the ranking policy."""
    if not q:
        return 0.0, ""
    if title == q:
        return 0.97, "title"
    if q in tags.split(SEPARATOR):
        return 0.95, "tags"
    if title.startswith(q):
        return 0.9, "title"
    if _at_word_start(q, title):
        return 0.85, "title"
    if _at_word_start(q, tags):
        return 0.8, "tags"
    if q in title:
        return 0.72, "title"
    if q in tags:
        return 0.68, "tags"
    if _at_word_start(q, body):
        return 0.6, "body"
    if q in body:
        return 0.55, "body"
    return 0.0, ""
