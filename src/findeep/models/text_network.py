"""One network over a text column and the table's other columns.

``TextNetwork`` = a text encoder (``text-cnn``, ``text-bilstm`` or ``minilm``) turning token
ids into one vector, beside the numeric features and categorical embeddings of the other
columns, read by a small MLP head. Output is ``(B, 1, n_out)`` member logits (one member),
the shape findeep's losses and calibration take.

Explanations integrate over ``embed`` -> ``forward_embedded``: token embeddings (what
Captum's layer integrated gradients calls the embedding layer), numeric values and category
embeddings, so words and columns are attributed in one pass.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from findeep.errors import ConfigError

TEXT_MODELS = ("text-cnn", "text-bilstm", "minilm")


def build_encoder(name: str, *, vocab_size: int, pad_id: int, options: dict[str, Any]
                  ) -> nn.Module:
    if name == "text-cnn":
        from findeep.models.text_cnn import TextCNN as encoder
    elif name == "text-bilstm":
        from findeep.models.text_bilstm import TextBiLSTM as encoder
    elif name == "minilm":
        from findeep.models.minilm import MiniLM as encoder
    else:
        raise ConfigError(f"unknown text model '{name}'; choose from {', '.join(TEXT_MODELS)}.")
    _refuse_unknown_options(name, encoder, options)
    return encoder(vocab_size=vocab_size, pad_id=pad_id, **options)


def _refuse_unknown_options(name: str, encoder: type, options: dict[str, Any]) -> None:
    """One sentence naming the options ``encoder`` does not take and those it does (the
    network's head options among them), not Python's 'unexpected keyword argument'."""
    takes = network_option_names(encoder)
    unknown = [key for key in options if key not in takes]
    if unknown:
        raise ConfigError(f"{name} has no model option {', '.join(map(repr, unknown))}; its "
                          f"options are {', '.join(sorted(takes))}.")


def network_option_names(encoder: type | str) -> list[str]:
    """The model options a text network of this encoder (class or model name) takes: the
    encoder's own, then the head's (``TextNetwork``)."""
    import inspect

    if isinstance(encoder, str):
        if encoder not in TEXT_MODELS:
            return []
        from findeep.models.minilm import MiniLM
        from findeep.models.text_bilstm import TextBiLSTM
        from findeep.models.text_cnn import TextCNN

        encoder = {"text-cnn": TextCNN, "text-bilstm": TextBiLSTM, "minilm": MiniLM}[encoder]
    fixed = ("self", "vocab_size", "pad_id", "args", "kwargs", "encoder", "n_num",
             "cardinalities", "n_out", "encoder_options")
    own = [p for p in inspect.signature(encoder).parameters if p not in fixed]
    return own + [p for p in inspect.signature(TextNetwork).parameters
                  if p not in fixed and p not in own]


class TextNetwork(nn.Module):
    """Text encoder + numeric features + categorical embeddings -> MLP head -> logits."""

    def __init__(self, *, encoder: str, vocab_size: int, pad_id: int, n_num: int,
                 cardinalities: list[int], n_out: int, d_hidden: int = 128,
                 dropout: float = 0.3, d_category: int = 8, **encoder_options: Any) -> None:
        super().__init__()
        try:
            self.encoder = build_encoder(encoder, vocab_size=vocab_size, pad_id=pad_id,
                                         options=encoder_options)
        except TypeError as exc:
            raise ConfigError(f"model option not understood by {encoder}: {exc}") from None
        self.category_embeddings = nn.ModuleList(nn.Embedding(c, d_category)
                                                 for c in cardinalities)
        d_in = self.encoder.d_out + n_num + d_category * len(cardinalities)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_in, d_hidden), nn.ReLU(),
                                  nn.Dropout(dropout), nn.Linear(d_hidden, n_out))
        self.config = {"encoder": encoder, "vocab_size": vocab_size, "pad_id": pad_id,
                       "n_num": n_num, "cardinalities": list(cardinalities), "n_out": n_out,
                       "d_hidden": d_hidden, "dropout": dropout, "d_category": d_category,
                       **{k: list(v) if isinstance(v, tuple) else v
                          for k, v in encoder_options.items()}}

    @property
    def frozen_encoder(self) -> bool:
        return bool(getattr(self.encoder, "frozen", False))

    # ---- pieces ------------------------------------------------------------------------------
    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        return self.encoder.token_embedding(ids)  # (B, L) -> (B, L, d_embedding)

    def embed_categories(self, x_cat: torch.Tensor) -> torch.Tensor:
        if not len(self.category_embeddings):
            return x_cat.new_zeros((x_cat.shape[0], 0), dtype=torch.float32)
        return torch.cat([emb(x_cat[:, j]) for j, emb in enumerate(self.category_embeddings)],
                         dim=1)  # (B, n_cat) -> (B, n_cat * d_category)

    def encode_text(self, ids: torch.Tensor, mask: torch.Tensor, *, lookup: bool = False
                    ) -> torch.Tensor:
        """``(B, L)`` ids -> ``(B, d_text)``. ``lookup=True`` (scoring, no gradients) lets an
        encoder that has a faster equivalent (``text-cnn``'s table lookups) use it."""
        if lookup and not torch.is_grad_enabled() and hasattr(self.encoder, "forward_ids"):
            vectors = self.encoder.forward_ids(ids, mask)
            if vectors is not None:
                return vectors
        return self.encoder(self.embed_tokens(ids), mask)

    def head_logits(self, text_vector: torch.Tensor, x_num: torch.Tensor,
                    cat_embedded: torch.Tensor) -> torch.Tensor:
        h = torch.cat([text_vector, x_num, cat_embedded], dim=1)
        return self.head(h).unsqueeze(1)  # (B, n_out) -> (B, 1, n_out)

    # ---- passes ------------------------------------------------------------------------------
    def forward(self, ids: torch.Tensor, mask: torch.Tensor, x_num: torch.Tensor,
                x_cat: torch.Tensor) -> torch.Tensor:
        return self.head_logits(self.encode_text(ids, mask), x_num, self.embed_categories(x_cat))

    def forward_embedded(self, tokens: torch.Tensor, x_num: torch.Tensor,
                         cat_embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.head_logits(self.encoder(tokens, mask), x_num, cat_embedded)

    def parameter_groups(self, learning_rate: float, *, layer_decay: float = 1.0,
                         encoder_lr: float | None = None) -> list[dict[str, Any]]:
        """AdamW groups: the head at ``learning_rate``; a pretrained encoder's layers at
        ``encoder_lr`` for the top one, times ``layer_decay`` per layer further down."""
        head = [p for n, p in self.named_parameters() if not n.startswith("encoder.")]
        layer_groups = getattr(self.encoder, "layer_groups", None)
        if encoder_lr is None or layer_groups is None:
            encoder = [p for p in self.encoder.parameters() if p.requires_grad]
            return [{"params": head + encoder, "lr": learning_rate}]
        groups = [{"params": head, "lr": learning_rate}]
        layers = layer_groups()
        for depth, params in enumerate(reversed(layers)):
            trainable = [p for p in params if p.requires_grad]
            if trainable:
                groups.append({"params": trainable, "lr": encoder_lr * layer_decay ** depth})
        return groups
