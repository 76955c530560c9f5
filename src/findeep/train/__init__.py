"""The training loop, losses and early stopping."""
