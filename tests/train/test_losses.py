from __future__ import annotations

import torch

from findeep.train.losses import member_loss


def test_losses_match_the_textbook_formulas() -> None:
    """BCE, cross-entropy and MSE equal their formulas; members are averaged."""
    torch.manual_seed(0)
    logits = torch.randn(6, 3, 1)
    y = torch.tensor([0.0, 1, 1, 0, 1, 0])
    p = torch.sigmoid(logits[..., 0])
    bce = -(y[:, None] * p.log() + (1 - y[:, None]) * (1 - p).log()).mean()
    torch.testing.assert_close(member_loss("bce", logits, y, None), bce)
    mse = ((logits[..., 0] - y[:, None]) ** 2).mean()
    torch.testing.assert_close(member_loss("mse", logits, y, None), mse)
    multi = torch.randn(6, 2, 4)
    labels = torch.tensor([0, 3, 1, 2, 2, 0])
    log_p = torch.log_softmax(multi, dim=-1)
    ce = -log_p[torch.arange(6), :, labels].mean()
    torch.testing.assert_close(member_loss("cross_entropy", multi, labels, None), ce)


def test_row_weights_shift_the_loss_towards_weighted_rows() -> None:
    """Weighting one row fully makes the loss that row's loss."""
    logits = torch.tensor([[[2.0]], [[-1.0]]])
    y = torch.tensor([0.0, 0.0])
    only_first = member_loss("bce", logits, y, torch.tensor([1.0, 0.0]))
    torch.testing.assert_close(only_first, torch.nn.functional.softplus(torch.tensor(2.0)))
