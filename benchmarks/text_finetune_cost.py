"""Cost of fine-tuning minilm on Financial PhraseBank, per training step, in CPU seconds.

Real 50Agree sentences, MiniLM's tokenizer cut at the 95th percentile of their lengths,
length-bucketed batches of 32 (the recipe's), AdamW with the recipe's layer-wise groups,
2 torch threads; 10 steps after 2 warm-up steps. CPU seconds are counted with
``time.process_time`` so that other jobs on a shared machine do not inflate them. A fold of
the 10-fold protocol trains on 0.9 x 0.9 x 4,846 = 3,925 sentences: 123 steps per epoch.

    python benchmarks/text_finetune_cost.py
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_phrasebank import load

from findeep.features.text import TextTokenizer
from findeep.models.minilm import base_files
from findeep.models.text_network import TextNetwork
from findeep.text.recipes import FIT_OPTIONS
from findeep.text.trainer import bucketed_batches, pad_batch

OUT = Path(__file__).resolve().parent / "results" / "text_finetune_cost.json"


def main() -> None:
    torch.set_num_threads(2)
    torch.manual_seed(0)
    frame = load("50Agree")
    texts = frame["sentence"].tolist()
    tokenizer = TextTokenizer.pretrained(base_files()["tokenizer"].read_text(), texts)
    encoded = tokenizer.encode(texts)
    y = torch.as_tensor(frame["sentiment"].astype("category").cat.codes.to_numpy(),
                        dtype=torch.long)
    network = TextNetwork(encoder="minilm", vocab_size=tokenizer.vocab_size, pad_id=0, n_num=0,
                          cardinalities=[], n_out=3)
    options = FIT_OPTIONS["minilm"]
    optimizer = torch.optim.AdamW(network.parameter_groups(
        1e-3, layer_decay=options["layer_decay"],
        encoder_lr=options["encoder_learning_rate"]), weight_decay=0.01)
    batches = bucketed_batches(encoded.lengths, 32, torch.Generator().manual_seed(0))
    network.train()
    cpu, wall, tokens = [], [], []
    for i, rows in enumerate(batches[:12]):
        c, w = time.process_time(), time.perf_counter()
        ids, mask = pad_batch([encoded.ids[r] for r in rows], 0)
        logits = network(ids, mask, torch.zeros(len(rows), 0),
                         torch.zeros(len(rows), 0, dtype=torch.long))
        loss = torch.nn.functional.cross_entropy(logits[:, 0], y[torch.as_tensor(rows)])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i >= 2:
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
            tokens.append(int(ids.shape[1]))
    per_step = statistics.median(cpu)
    result = {"max_length": tokenizer.max_length, "median_padded_length": float(np.median(tokens)),
              "cpu_seconds_per_step_median": per_step,
              "wall_seconds_per_step_median": statistics.median(wall),
              "steps_per_epoch_10fold": 123,
              "cpu_seconds_per_epoch_derived": per_step * 123}
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
