"""JSON-LD without the network: the bundled contexts, their loader, and RDF canonicalization.

Only the contexts in `contexts/` are ever loaded; any other URL is refused, so a credential
that names an unknown context cannot be canonicalized (and so cannot verify) here. The
canonical form is RDF Dataset Canonicalization (RDFC-1.0, formerly URDNA2015) as N-Quads,
which is what the `eddsa-rdfc-2022` cryptosuite hashes.
"""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.jsonld import DEFAULT_BASE_IRI, JsonLdError, JsonLdProcessor

CONTEXTS_DIR = Path(__file__).parent / "contexts"
CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OPEN_BADGES_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DID_V1 = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
CONTEXT_FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OPEN_BADGES_V3: "ob-v3p0-3.0.3.jsonld",
    DID_V1: "did-v1.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
}
_MEMO_LIMIT = 2048


class UnknownContext(ValueError):
    """A document names a context that is not bundled with the application."""


@cache
def bundled_context(url: str) -> dict[str, Any]:
    """The bundled context document for url; UnknownContext for anything else."""
    name = CONTEXT_FILES.get(url)
    if name is None:
        raise UnknownContext(f"context {url} is not one this application knows")
    loaded: dict[str, Any] = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    return loaded


def document_loader(url: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld's document loader: bundled contexts only, never the network."""
    try:
        document = bundled_context(url)
    except UnknownContext as exc:
        raise JsonLdError(
            str(exc), "jsonld.LoadDocumentError", code="loading document failed"
        ) from exc
    # the "static" tag lets pyld keep the resolved context between calls
    return {"contextUrl": None, "documentUrl": url, "document": document, "tag": "static"}


class _MemoProcessor(JsonLdProcessor):
    """pyld's processor with the results of context processing remembered between calls.

    pyld processes every type-scoped context again for every node (three quarters of the
    time of canonicalizing a badge). Processing a context is a pure function of the active
    context and the local one; an active context returned from here is never changed
    afterwards (pyld clones before it defines terms), so handing out the same object again
    gives the same expansion. tests/pure/test_verify_badges.py compares the result with
    plain pyld on varied documents.
    """

    _memo: dict[tuple[Any, ...], Any] = {}

    def _process_context(
        self,
        active_ctx: dict[str, Any],
        local_ctx: Any,
        options: dict[str, Any],
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        if "_uuid" not in active_ctx:
            active_ctx["_uuid"] = str(uuid.uuid1())
        key = (
            active_ctx["_uuid"],
            json.dumps(local_ctx, sort_keys=True),
            override_protected,
            propagate,
            validate_scoped,
        )
        found = self._memo.get(key)
        if found is None:
            found = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped,
                cycles,
            )  # fmt: skip
            if len(self._memo) >= _MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = found
        return found


class _SafeMemoProcessor(_MemoProcessor):
    """Refuses what JSON-LD would otherwise drop without a word (jsonld.js's "safe mode").

    An undefined property or type in a signed document expands to nothing and so is not
    covered by the signature: a verifier that quietly drops it would accept a credential
    with unsigned claims added. Here such a document cannot be canonicalized at all.
    """

    def __init__(self) -> None:
        super().__init__(on_property_dropped=self._dropped)

    @staticmethod
    def _dropped(term: str | None) -> None:
        raise JsonLdError(
            f"the term {term!r} is not defined by the document's contexts",
            "jsonld.SyntaxError",
            code="undefined term",
        )

    def expand(self, input_: Any, options: Any) -> Any:
        expanded = super().expand(input_, options)
        _refuse_relative_iris(expanded)
        return expanded


def _refuse_relative_iris(node: Any) -> None:
    """Types and ids that are not absolute IRIs would vanish from the RDF: refuse them."""
    if isinstance(node, list):
        for item in node:
            _refuse_relative_iris(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in ("@type", "@id") and "@value" not in node:
            for iri in value if isinstance(value, list) else [value]:
                # pyld resolves a relative IRI against its placeholder base, where
                # jsonld.js leaves it relative and drops it: both mean "not defined"
                if isinstance(iri, str) and (":" not in iri or iri.startswith(DEFAULT_BASE_IRI)):
                    raise JsonLdError(
                        f"{iri!r} is not a term or an absolute IRI",
                        "jsonld.SyntaxError",
                        code="relative IRI",
                    )
        elif key != "@value":
            _refuse_relative_iris(value)


def canonize(document: dict[str, Any]) -> str:
    """The document's RDF dataset, canonicalized (RDFC-1.0) and serialized as N-Quads.

    Raises ValueError when the document is not JSON-LD this application can read (an
    unknown context, a term no context defines, a malformed value).
    """
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    try:
        result: str = _SafeMemoProcessor().normalize(document, options)
    except JsonLdError as exc:
        raise ValueError(f"not readable as JSON-LD: {_reason(exc)}") from exc
    return result


_TOKEN = "urn:x-peercert-value:"  # an absolute IRI: a placeholder expansion leaves whole
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")
_OPTIONS = {"algorithm": "URDNA2015", "format": "application/n-quads"}


def canonize_many(documents: list[dict[str, Any]]) -> list[str]:
    """canonize of each document, documents of one shape expanded once.

    Credentials signed in a batch differ only in a few values (ids, names, numbers, status
    indexes). For each shape the differing values are put in as placeholders, the template
    is expanded to its RDF dataset once, and each document's dataset is the template's with
    its own values back in place of the placeholders; only the canonicalization proper
    (RDFC-1.0 blank node labelling) runs per document. The first document of each shape is
    also canonicalized the plain way and must agree; any doubt (a placeholder that did not
    come through whole, a value that is not an IRI where the template put one) and the
    documents of that shape are canonicalized one by one.
    """
    results: list[str | None] = [None] * len(documents)
    shapes: dict[str, list[int]] = {}
    for position, document in enumerate(documents):
        shapes.setdefault(json.dumps(_skeleton(document), sort_keys=True), []).append(position)
    for positions in shapes.values():
        group = [documents[p] for p in positions]
        found = _canonize_shape(group) if len(group) > 1 else None
        texts: list[str | None] = list(found) if found else [None] * len(group)
        for position, document, text in zip(positions, group, texts, strict=True):
            results[position] = text if text is not None else canonize(document)
    return [text for text in results if text is not None]


def _skeleton(value: Any) -> Any:
    """The document with every string left out: documents of one skeleton share a shape."""
    if isinstance(value, dict):
        return {k: _skeleton(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_skeleton(v) for v in value]
    return "" if isinstance(value, str) else value


def _varying(first: Any, other: Any, path: tuple[Any, ...], out: set[tuple[Any, ...]]) -> None:
    if isinstance(first, dict):
        for key in first:
            _varying(first[key], other[key], (*path, key), out)
    elif isinstance(first, list):
        for index, item in enumerate(first):
            _varying(item, other[index], (*path, index), out)
    elif first != other:
        out.add(path)


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _canonize_shape(group: list[dict[str, Any]]) -> list[str] | None:
    varying: set[tuple[Any, ...]] = set()
    for other in group[1:]:
        _varying(group[0], other, (), varying)
    if any(path and path[0] == "@context" for path in varying):
        return None
    paths = sorted(varying, key=repr)
    template = json.loads(json.dumps(group[0]))
    tokens = {}
    for number, path in enumerate(paths):
        token = f"{_TOKEN}{number}"
        parent = _get(template, path[:-1])
        parent[path[-1]] = token
        tokens[token] = path
    try:
        dataset = _SafeMemoProcessor().to_rdf(
            template, {"documentLoader": document_loader, "produceGeneralizedRdf": False}
        )
    except JsonLdError:
        return None
    kinds: dict[str, str] = {}
    for graph, triples in dataset.items():
        if _TOKEN in graph:
            return None
        for triple in triples:
            if _TOKEN in triple["predicate"]["value"]:
                return None
            for part in ("subject", "object"):
                value = triple[part]["value"]
                if value in tokens:
                    kinds[value] = triple[part]["type"]
                elif _TOKEN in value or _TOKEN in triple[part].get("datatype", ""):
                    return None  # a placeholder changed on the way: not a whole value
    if set(kinds) != set(tokens):
        return None
    results = []
    for document in group:
        values = {token: _get(document, path) for token, path in tokens.items()}
        for token, value in values.items():
            if not isinstance(value, str):
                return None
            if kinds[token] == "IRI" and not _ABSOLUTE_IRI.match(value):
                return None
            if kinds[token] == "blank node":
                return None
        copied = {
            graph: [
                {
                    key: (
                        {**part, "value": values.get(part["value"], part["value"])}
                        if key in ("subject", "object")
                        else dict(part)
                    )
                    for key, part in triple.items()
                }
                for triple in triples
            ]
            for graph, triples in dataset.items()
        }
        results.append(URDNA2015().main(copied, dict(_OPTIONS)))
    if results[0] != canonize(group[0]):
        return None
    return results


def canonize_plain(document: dict[str, Any]) -> str:
    """canonize with pyld's own processor (no memo); for tests that compare the two."""
    options = {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
    }
    result: str = jsonld.normalize(document, options)
    return result


def _reason(error: BaseException) -> str:
    """The innermost cause's message: pyld wraps each failure in two or three of its own."""
    cause: BaseException = error
    while True:
        inner = getattr(cause, "cause", None) or cause.__cause__
        if not isinstance(inner, BaseException):
            break
        cause = inner
    message = str(cause.args[0]) if cause.args else str(cause)
    code = getattr(cause, "code", None)
    return f"{message} ({code})" if code else message
