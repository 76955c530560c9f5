"""Plain ``nn.Module`` architectures, one per file, found by name in the registry.

Every model maps ``(x_num [B, d_num] float32, x_cat [B, n_cat] int64)`` to logits of
shape ``(B, k, n_out)``, where ``k`` is the number of ensemble members (1 for a single
network). Models know nothing of loops, files or DataFrames.
"""

from findeep.models.registry import MODELS, ModelSpec, build_model, model_names

__all__ = ["MODELS", "ModelSpec", "build_model", "model_names"]
