"""``NextProductNet``: findeep's tabular encoder shared across products, one logit per product.

Built from the default network's blocks (``models/tabm_ple.py``): customer numerics get
the piecewise-linear encoding, categoricals their embeddings; the holdings vector (held
now and ``lags`` months ago, one 0/1 per product and month) joins the embedded vector as
it is. A TabM-mini backbone (k members sharing the MLP) turns this into a customer vector
``h``. Each product ``p`` scores ``logit_p = <W h, e_shared + e_p> + b_p``: the shared
vector carries "this customer is about to take something", the product embedding ``e_p``
what is specific to ``p``. Weight decay pulls ``e_p`` of rarely taken products towards 0,
so they borrow the shared direction instead of fitting noise (rare products borrow strength).

Shape: ``(B, d_num), (B, n_cat) -> (B, k, P)``; ``x_num`` is the customer numerics followed
by the holdings vector.

>>> import numpy as np, torch
>>> net = NextProductNet(n_customer_num=2, n_holdings=6, cardinalities=[3], n_products=3,
...                      x_num_train=np.zeros((10, 2)))
>>> net(torch.zeros(4, 8), torch.zeros(4, 1, dtype=torch.long)).shape
torch.Size([4, 4, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from findeep.models.tabm_ple import TabMPLE


class NextProductNet(TabMPLE):
    row_cost = 4

    def __init__(self, *, n_customer_num: int, n_holdings: int, cardinalities: list[int],
                 n_products: int, x_num_train: np.ndarray | None = None, k: int = 4,
                 n_bins: int = 16, d_embedding: int = 8, d_block: int = 128, n_blocks: int = 2,
                 d_product: int = 32, dropout: float = 0.0, **_: Any) -> None:
        super().__init__(n_num=n_customer_num, cardinalities=cardinalities, n_out=1,
                         x_num_train=x_num_train, k=k, n_bins=n_bins, d_embedding=d_embedding,
                         d_block=d_block, n_blocks=n_blocks, dropout=dropout)
        self.config |= {"n_customer_num": n_customer_num, "n_holdings": n_holdings,
                        "n_products": n_products, "d_product": d_product}
        self.config.pop("n_out")
        first: nn.Linear = self.backbone[0]
        d_in = first.in_features + n_holdings
        # the backbone's first layer and member signs widened to take the holdings vector
        self.backbone[0] = nn.Linear(d_in, first.out_features)
        signs = torch.ones(k, d_in)
        if k > 1:
            signs = torch.where(torch.rand(k, d_in) < 0.5, -1.0, 1.0)
        self.member_scale = nn.Parameter(signs)
        del self.head_weight, self.head_bias
        self.project = nn.Parameter(torch.empty(k, d_block, d_product))
        nn.init.uniform_(self.project, -(d_block**-0.5), d_block**-0.5)
        self.shared_product = nn.Parameter(torch.randn(d_product) * d_product**-0.5)
        self.product_embedding = nn.Parameter(torch.zeros(n_products, d_product))
        self.product_bias = nn.Parameter(torch.zeros(n_products))

    def set_product_prior(self, rates: np.ndarray) -> None:
        """Start each product's bias at its training log-odds of being taken."""
        rates = np.clip(np.asarray(rates, dtype=float), 1e-5, 1 - 1e-5)
        with torch.no_grad():
            self.product_bias.copy_(torch.as_tensor(np.log(rates / (1 - rates)),
                                                    dtype=torch.float32))

    def embed(self, x_num: torch.Tensor, x_cat: torch.Tensor) -> torch.Tensor:
        n = self.config["n_customer_num"]
        return torch.cat([super().embed(x_num[:, :n], x_cat), x_num[:, n:]], dim=1)

    def embedding_slots(self) -> list[tuple[str, int]]:
        n = self.config["n_customer_num"]
        return super().embedding_slots() + [("num", n + j)
                                            for j in range(self.config["n_holdings"])]

    def forward_embedded(self, x: torch.Tensor) -> torch.Tensor:
        first = self.backbone[0]
        signed = first.weight.unsqueeze(0) * self.member_scale.unsqueeze(1)  # (k, d, d_in)
        h = nn.functional.linear(x, signed.flatten(0, 1), first.bias.repeat(self.k))
        h = self.backbone[1:](h.view(x.shape[0], self.k, -1))  # (B, k, d_block)
        q = torch.einsum("bkd,kde->bke", h, self.project)  # (B, k, d_product)
        products = self.product_embedding + self.shared_product  # (P, d_product)
        return q @ products.T + self.product_bias  # (B, k, P)
