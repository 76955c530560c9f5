"""Plain ``nn.Module`` architectures, one per file, found by name in the registry.

Every model maps ``(x_num [B, d_num] float32, x_cat [B, n_cat] int64)`` to logits of
shape ``(B, k, n_out)``, where ``k`` is the number of ensemble members (1 for a single
network). Models know nothing of loops, files or DataFrames.

Every model also offers ``embed(x_num, x_cat) -> (B, d_in)``, ``forward_embedded(z)`` and
``embedding_slots()`` (which input each slot of ``z`` comes from), so attributions can be
taken on a continuous vector and summed back to the user's columns.
"""

from findeep.models.registry import MODELS, ModelSpec, build_model, model_names

__all__ = ["MODELS", "ModelSpec", "build_model", "model_names"]
