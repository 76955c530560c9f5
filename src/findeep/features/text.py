"""Text to token ids: a subword tokenizer, a truncation length chosen on training rows.

``TextTokenizer.fit`` trains a WordPiece vocabulary (Hugging Face ``tokenizers``) on the
training texts only; ``TextTokenizer.pretrained`` wraps a shipped tokenizer (MiniLM's).
Either way the length every text is cut to is the 95th percentile of the training texts'
token counts, capped, so a few long texts do not set the padding of every batch; texts cut
are counted, never an error. State is plain JSON (the tokenizer's own JSON inside).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from findeep.errors import ConfigError, DataError

TRUNCATION_QUANTILE = 0.95
MIN_LENGTH = 8
# a token covers at least one character, so cutting the raw text at this many characters per
# token of the length limit never changes the tokens kept, and a 1 MB text costs no time
CHARS_PER_TOKEN_BOUND = 40


def _missing_extra() -> ConfigError:
    return ConfigError("text models need the 'text' extra: pip install 'findeep[text]'.")


def import_tokenizers() -> Any:
    try:
        import tokenizers
    except ImportError:
        raise _missing_extra() from None
    return tokenizers


@dataclass
class TextReport:
    """What encoding a batch of texts had to do."""

    rows: int = 0
    truncated: int = 0
    empty: int = 0
    converted: int = 0  # numbers read as their text

    def to_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "truncated": self.truncated, "empty": self.empty,
                "converted_non_strings": self.converted}


@dataclass
class Encoded:
    """Token ids per text (1-D int64 arrays, never empty) and their character offsets."""

    ids: list[np.ndarray]
    offsets: list[list[tuple[int, int]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    report: TextReport = field(default_factory=TextReport)

    @property
    def lengths(self) -> np.ndarray:
        return np.array([len(i) for i in self.ids], dtype=np.int64)


def clean_texts(values: pd.Series | list[Any], column: str) -> tuple[list[str], TextReport]:
    """Strings to tokenize: missing -> '' (counted as empty), numbers -> their text (counted);
    anything else is a ``DataError`` naming the row."""
    report = TextReport(rows=len(values))
    texts: list[str] = []
    for i, value in enumerate(list(values)):
        if isinstance(value, str):
            text = value
        elif value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
            text = ""
        elif isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
            text = str(value)
            report.converted += 1
        else:
            raise DataError(f"text column '{column}' holds a {type(value).__name__} at row "
                            f"{i + 1:,}, not text; pass strings (or leave the value empty).")
        if not text.strip():
            report.empty += 1
        texts.append(text)
    return texts, report


SPECIALS = ("[PAD]", "[UNK]", "[EMPTY]")
WHOLE_WORD_SHARE = 0.6  # of the vocabulary budget; subword pieces fill the rest


def wordpiece_vocabulary(tokenizer: Any, texts: list[str], *, vocab_size: int,
                         min_frequency: int) -> dict[str, int]:
    """A WordPiece vocabulary from ``texts``, the same for the same texts on every run.

    (``tokenizers``' own trainer breaks ties between equally frequent merges in hash-map
    order, so two fits on the same rows can learn different vocabularies.) Every character
    seen gets a token (as a word start and as a ``##`` continuation), so no word is ever
    unknown; then whole words seen ``min_frequency`` times or more, most frequent first,
    up to 60% of ``vocab_size``; then the most frequent word-start and continuation pieces
    of 2-8 characters, weighted by the characters they cover. Ties go alphabetically.
    """
    from collections import Counter

    normalize = tokenizer.normalizer.normalize_str
    split = tokenizer.pre_tokenizer.pre_tokenize_str
    words: Counter[str] = Counter()
    for text in texts:
        words.update(word for word, _ in split(normalize(text)))
    chars = sorted({c for word in words for c in word})
    vocab_list = [*SPECIALS, *chars, *(f"##{c}" for c in chars)]
    budget = max(0, vocab_size - len(vocab_list))
    frequent = sorted((w for w, n in words.items() if n >= min_frequency and len(w) > 1),
                      key=lambda w: (-words[w], w))[:int(budget * WHOLE_WORD_SHARE)]
    vocab_list += frequent
    taken = set(vocab_list)
    pieces: Counter[str] = Counter()
    for word, n in words.items():
        if word in taken or len(word) < 3:
            continue
        for size in range(2, min(8, len(word) - 1) + 1):
            pieces[word[:size]] += n * (size - 1)
            for start in range(1, len(word) - size + 1):
                pieces[f"##{word[start:start + size]}"] += n * (size - 1)
    room = vocab_size - len(vocab_list)
    vocab_list += sorted((p for p in pieces if p not in taken),
                         key=lambda p: (-pieces[p], p))[:max(0, room)]
    return {token: i for i, token in enumerate(vocab_list)}


class TextTokenizer:
    """Token ids for texts, cut to ``max_length``; ``kind`` 'trained' or 'pretrained'."""

    def __init__(self, tokenizer: Any, *, kind: str, max_length: int, pad_id: int,
                 empty_id: int, cls_id: int | None = None, sep_id: int | None = None,
                 length_cap: int = 256) -> None:
        self.tokenizer = tokenizer
        self.kind = kind
        self.max_length = max_length
        self.pad_id = pad_id
        self.empty_id = empty_id
        self.cls_id = cls_id
        self.sep_id = sep_id
        self.length_cap = length_cap

    @property
    def vocab_size(self) -> int:
        return int(self.tokenizer.get_vocab_size())

    @property
    def n_special(self) -> int:
        return 0 if self.cls_id is None else 2

    # ---- construction ------------------------------------------------------------------------
    @classmethod
    def fit(cls, texts: list[str], *, vocab_size: int = 8000, min_frequency: int = 2,
            length_cap: int = 256) -> TextTokenizer:
        """Train a lower-cased WordPiece vocabulary on ``texts`` (training rows only)."""
        tk = import_tokenizers()
        if not isinstance(vocab_size, int) or vocab_size < 100:
            raise ConfigError(f"vocab_size must be an integer >= 100, however: {vocab_size=}")
        tokenizer = tk.Tokenizer(tk.models.WordPiece({"[UNK]": 0}, unk_token="[UNK]"))
        # lower-cased, accents kept: stripping them (NFD) doubled the tokenizer's time
        tokenizer.normalizer = tk.normalizers.BertNormalizer(
            lowercase=True, strip_accents=False, handle_chinese_chars=False)
        tokenizer.pre_tokenizer = tk.pre_tokenizers.BertPreTokenizer()
        tokenizer.decoder = tk.decoders.WordPiece()
        vocab = wordpiece_vocabulary(tokenizer, texts, vocab_size=vocab_size,
                                     min_frequency=min_frequency)
        tokenizer.model = tk.models.WordPiece(vocab, unk_token="[UNK]",
                                              max_input_chars_per_word=100)
        out = cls(tokenizer, kind="trained", max_length=length_cap, pad_id=0,
                  empty_id=tokenizer.token_to_id("[EMPTY]"), length_cap=length_cap)
        out.max_length = out.choose_length(texts)
        return out

    @classmethod
    def pretrained(cls, tokenizer_json: str, texts: list[str], *, length_cap: int = 128,
                   ) -> TextTokenizer:
        """A shipped BERT tokenizer ([CLS] text [SEP]); the length is chosen on ``texts``."""
        tk = import_tokenizers()
        tokenizer = tk.Tokenizer.from_str(tokenizer_json)
        tokenizer.no_padding()
        tokenizer.no_truncation()
        ids = {t: tokenizer.token_to_id(t) for t in ("[PAD]", "[CLS]", "[SEP]", "[UNK]")}
        out = cls(tokenizer, kind="pretrained", max_length=length_cap, pad_id=ids["[PAD]"],
                  empty_id=ids["[UNK]"], cls_id=ids["[CLS]"], sep_id=ids["[SEP]"],
                  length_cap=length_cap)
        out.max_length = out.choose_length(texts)
        return out

    def choose_length(self, texts: list[str]) -> int:
        """The 95th percentile of the texts' token counts (+ specials), in [8, length_cap]."""
        counts = [len(e.ids) for e in self._encode_raw(texts, self.length_cap)]
        wanted = math.ceil(float(np.quantile(counts, TRUNCATION_QUANTILE))) if counts else 1
        return int(min(self.length_cap, max(MIN_LENGTH, wanted + self.n_special)))

    # ---- encoding ----------------------------------------------------------------------------
    def _encode_raw(self, texts: list[str], max_length: int, offsets: bool = True) -> list[Any]:
        limit = max_length * CHARS_PER_TOKEN_BOUND
        cut = [t[:limit] for t in texts]
        if offsets:
            return self.tokenizer.encode_batch(cut, add_special_tokens=False)
        return self.tokenizer.encode_batch_fast(cut, add_special_tokens=False)  # no offsets

    def encode(self, texts: list[str], report: TextReport | None = None, *,
               offsets: bool = True) -> Encoded:
        """Ids of each text, cut to ``max_length``; cuts counted in the report.

        ``offsets=False`` (scoring) skips the character offsets that only explanations read.
        """
        report = report or TextReport(rows=len(texts))
        keep = self.max_length - self.n_special
        encoded = Encoded([], [], list(texts), report)
        limit = self.max_length * CHARS_PER_TOKEN_BOUND
        for text, enc in zip(texts, self._encode_raw(texts, self.max_length, offsets),
                             strict=True):
            ids = enc.ids
            spans = list(enc.offsets) if offsets else []
            if len(ids) > keep or len(text) > limit:
                report.truncated += 1
                ids, spans = ids[:keep], spans[:keep]
            if self.cls_id is not None:
                ids = [self.cls_id, *ids, self.sep_id]
                spans = [(0, 0), *spans, (0, 0)] if offsets else []
            elif not ids:
                ids, spans = [self.empty_id], [(0, 0)] if offsets else []
            encoded.ids.append(np.asarray(ids, dtype=np.int64))
            if offsets:
                encoded.offsets.append([tuple(o) for o in spans])
        return encoded

    # ---- state -------------------------------------------------------------------------------
    def to_dict(self, *, include_tokenizer: bool = True) -> dict[str, Any]:
        state: dict[str, Any] = {
            "kind": self.kind, "max_length": self.max_length, "pad_id": self.pad_id,
            "empty_id": self.empty_id, "cls_id": self.cls_id, "sep_id": self.sep_id,
            "length_cap": self.length_cap}
        if include_tokenizer:
            state["tokenizer"] = json.loads(self.tokenizer.to_str())
        return state

    @classmethod
    def from_dict(cls, state: dict[str, Any], tokenizer_json: str | None = None) -> TextTokenizer:
        tk = import_tokenizers()
        source = tokenizer_json if tokenizer_json is not None else json.dumps(state["tokenizer"])
        tokenizer = tk.Tokenizer.from_str(source)
        tokenizer.no_padding()
        tokenizer.no_truncation()
        return cls(tokenizer, kind=state["kind"], max_length=int(state["max_length"]),
                   pad_id=int(state["pad_id"]), empty_id=int(state["empty_id"]),
                   cls_id=state["cls_id"], sep_id=state["sep_id"],
                   length_cap=int(state["length_cap"]))
