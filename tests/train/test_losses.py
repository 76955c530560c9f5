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


def test_member_weights_weigh_each_members_loss_on_each_row() -> None:
    """A per-member bootstrap: a member whose weight on a row is 0 does not learn from it,
    one whose weight is 2 counts it twice."""
    logits = torch.tensor([[[2.0], [0.5]], [[-1.0], [3.0]]])  # (2 rows, 2 members, 1)
    y = torch.tensor([0.0, 1.0])
    per = torch.nn.functional.binary_cross_entropy_with_logits(
        logits[..., 0], y[:, None].expand(-1, 2), reduction="none")
    weights = torch.tensor([[0.0, 2.0], [1.0, 0.0]])
    expected = (per * weights).mean(dim=1).mean()
    torch.testing.assert_close(member_loss("bce", logits, y, None, member_weight=weights),
                               expected)
    torch.testing.assert_close(member_loss("bce", logits, y, None,
                                           member_weight=torch.ones(2, 2)),
                               member_loss("bce", logits, y, None))
