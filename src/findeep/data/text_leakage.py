"""A free-text column scored alone against a class target: its single most telling word.

The leak screen (``data.leakage``) reads a text column two ways. Its whole texts, lower-cased
with their spaces collapsed, are levels like a category's (a text that copies the label, a
status note of a few fixed phrases). And each word, present or absent in a row, is a column of
its own here: a note written after the outcome ("charged off on 3 May, recovered 420") carries
a word that every row of one class has and the others lack, while the rest of its text is
unique to the row. Texts that are meant to predict (a headline's sentiment, a stated
purpose) have telling words too, but none that is present in almost every row of a class and
absent from almost every other row, which is what an AUC at the leak line takes from one
word: the AUC of a present/absent column is ½ + ½ (share of the class's rows with the word
− share of the other rows with it).

Out of fold, as every other column: which side of the word (present or absent) goes with the
class is learned on one half of the rows and the shares are read on the other half; the two
halves' AUCs are averaged. Words are runs of two or more letters or digits in at least
``MIN_WORD_ROWS`` rows (the ``MAX_WORDS`` most frequent, chosen without the labels), and a
class is scored only where each half holds ``MIN_CLASS_ROWS`` of its rows and of the others
(a class of two rows would let one of thousands of rare words tell it by chance).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WORD_PATTERN = r"(?u)\b\w\w+\b"
MIN_WORD_ROWS = 5
MAX_WORDS = 5_000
MIN_CLASS_ROWS = 10


@dataclass(frozen=True)
class TellingWord:
    """The word whose presence alone best tells one class from the others, out of fold."""

    word: str
    class_index: int
    auc: float


def normalised_texts(values: pd.Series) -> pd.Series:
    """Texts lower-cased, their runs of spaces one space, trimmed; missing stays missing."""
    text = values.astype("string").str.lower().str.replace(r"\s+", " ", regex=True)
    return text.str.strip()


def telling_word(texts: pd.Series, targets: np.ndarray, half: np.ndarray, *,
                 classes: list[int]) -> TellingWord | None:
    """The best word of ``texts`` among ``classes`` (columns of ``targets``, one share per
    row and class), scored on ``half``'s two sides; ``None`` when no word or class is
    scorable."""
    from sklearn.feature_extraction.text import CountVectorizer

    sides = (half, ~half)
    scorable = [k for k in classes
                if all(MIN_CLASS_ROWS <= targets[side, k].sum() <= side.sum() - MIN_CLASS_ROWS
                       for side in sides)]
    if not scorable:
        return None
    vectorizer = CountVectorizer(binary=True, lowercase=True, token_pattern=WORD_PATTERN,
                                 min_df=MIN_WORD_ROWS, max_features=MAX_WORDS,
                                 dtype=np.float64)
    try:
        presence = vectorizer.fit_transform(texts.fillna("").astype(str).tolist()).tocsr()
    except ValueError:  # no word in enough rows
        return None
    shares = targets[:, scorable]
    aucs = np.zeros((presence.shape[1], len(scorable)))
    for learn, read in ((half, ~half), (~half, half)):
        direction = _side_of_word(presence[learn], shares[learn])
        with_word = presence[read]
        in_class = shares[read].sum(axis=0)  # rows of each class on the read half
        class_with_word = np.asarray(with_word.T @ shares[read])  # (words, classes)
        rows_with_word = np.asarray(with_word.sum(axis=0)).ravel()[:, None]
        share_in = class_with_word / in_class
        share_out = (rows_with_word - class_with_word) / (read.sum() - in_class)
        aucs += 0.5 * (0.5 + 0.5 * direction * (share_in - share_out))
    word, k = np.unravel_index(int(np.argmax(aucs)), aucs.shape)
    return TellingWord(str(vectorizer.get_feature_names_out()[word]), scorable[k],
                       float(aucs[word, k]))


def _side_of_word(presence, shares: np.ndarray) -> np.ndarray:
    """+1 where a class's share is higher among the rows with the word than without it, −1
    where lower, 0 where equal or the word is never (or always) present: (words, classes)."""
    rows = presence.shape[0]
    with_word = np.asarray(presence.sum(axis=0)).ravel()[:, None]
    class_with_word = np.asarray(presence.T @ shares)
    class_rows = shares.sum(axis=0)
    without = rows - with_word
    seen = (with_word > 0) & (without > 0)
    rate_with = np.divide(class_with_word, with_word, out=np.zeros_like(class_with_word),
                          where=with_word > 0)
    rate_without = np.divide(class_rows - class_with_word, without,
                             out=np.zeros_like(class_with_word), where=without > 0)
    return np.where(seen, np.sign(rate_with - rate_without), 0.0)
