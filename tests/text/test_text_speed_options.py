"""Options added for speed and for fine-tuning: bf16 MiniLM, offset-free scoring, calibrated
stopping, and benchmark folds chosen by index."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError
from findeep.features.text import TextTokenizer
from findeep.models.text_network import TextNetwork
from findeep.testing import make_text_frame
from findeep.text import fit_text
from findeep.text.benchmark import run_text_benchmark
from findeep.text.trainer import TextData, predict_text_logits


def _minilm(precision: str) -> TextNetwork:
    torch.manual_seed(0)
    return TextNetwork(encoder="minilm", vocab_size=30522, pad_id=0, n_num=0, cardinalities=[],
                       n_out=3, pretrained=False, precision=precision).eval()


def test_bf16_minilm_scores_close_to_float32_and_the_same_alone_or_in_a_batch():
    """bfloat16 changes a logit by rounding only, and padding still never leaks in."""
    fp32, bf16 = _minilm("fp32"), _minilm("bf16")
    rng = np.random.default_rng(0)
    ids = [rng.integers(1000, 20000, size=n) for n in (3, 12, 7)]
    data = TextData.build(ids, np.zeros((3, 0), np.float32), np.zeros((3, 0), np.int64))
    exact, fast = predict_text_logits(fp32, data), predict_text_logits(bf16, data)
    assert fast.dtype == torch.float32
    assert torch.allclose(fast, exact, atol=0.05)
    for row in range(3):
        alone = predict_text_logits(bf16, data.subset(np.array([row])))
        assert torch.allclose(alone, fast[row:row + 1], atol=1e-2)


def test_an_unknown_minilm_precision_is_one_clear_error():
    with pytest.raises(ConfigError, match="precision"):
        _minilm("fp16")


def test_scoring_without_offsets_gives_the_same_tokens():
    texts = ["Operating profit rose to EUR 13.1 mn", "", "Café sales fell " * 50]
    tokenizer = TextTokenizer.fit(texts * 10, vocab_size=200, length_cap=16)
    with_offsets = tokenizer.encode(texts)
    without = tokenizer.encode(texts, offsets=False)
    assert [list(i) for i in without.ids] == [list(i) for i in with_offsets.ids]
    assert without.report.truncated == with_offsets.report.truncated == 1
    assert with_offsets.offsets and not without.offsets


def test_calibrated_stopping_trains_and_is_recorded():
    frame = make_text_frame(300, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        model = fit_text(frame[["sentence"]], frame["sentiment"], model="text-cnn", verbose=0,
                         max_epochs=3, model_options={"calibrated_stopping": True})
    assert model.training["fit_options"]["calibrated_stopping"] is True
    assert 1 <= model.training["best_epoch"] <= model.training["epochs_run"] <= 3


def test_benchmark_runs_only_the_folds_asked_for():
    frame = make_text_frame(200, seed=2)
    result = run_text_benchmark(frame, "sentiment", models=["tfidf-lr"], n_folds=5,
                                fold_indices=[3, 1])
    assert [f["fold"] for f in result["models"]["tfidf-lr"]["folds"]] == [3, 1]
    with pytest.raises(ConfigError, match="fold indices"):
        run_text_benchmark(frame, "sentiment", models=["tfidf-lr"], n_folds=5,
                           fold_indices=[5])


def _text_cnn(vocab_size: int = 300, **options: object) -> TextNetwork:
    torch.manual_seed(0)
    return TextNetwork(encoder="text-cnn", vocab_size=vocab_size, pad_id=0, n_num=0,
                       cardinalities=[], n_out=3, **options).eval()


def test_text_cnn_scoring_by_lookup_matches_the_convolution():
    """The table-lookup scoring path gives the convolution's logits to float rounding, for
    texts shorter and longer than the widest kernel, alone or padded in a batch."""
    network = _text_cnn()
    rng = np.random.default_rng(0)
    ids = [rng.integers(1, 300, size=n) for n in (1, 2, 4, 9, 31)]
    data = TextData.build(ids, np.zeros((5, 0), np.float32), np.zeros((5, 0), np.int64))
    convolved = predict_text_logits(network, data)
    looked_up = predict_text_logits(network, data, lookup=True)
    assert torch.allclose(looked_up, convolved, atol=1e-5, rtol=0)
    for row in range(5):
        alone = predict_text_logits(network, data.subset(np.array([row])), lookup=True)
        assert torch.allclose(alone, looked_up[row:row + 1], atol=1e-6, rtol=0)


def test_the_lookup_table_follows_the_weights():
    """Weights changed after a first scoring (training, a loaded bundle) are not served
    from a stale table."""
    network = _text_cnn()
    data = TextData.build([np.array([5, 6, 7])], np.zeros((1, 0), np.float32),
                          np.zeros((1, 0), np.int64))
    before = predict_text_logits(network, data, lookup=True)
    with torch.no_grad():
        network.encoder.convs[0].weight.mul_(2.0)
        network.encoder.token_embedding.weight[5].add_(1.0)
    after = predict_text_logits(network, data, lookup=True)
    assert not torch.allclose(after, before)
    assert torch.allclose(after, predict_text_logits(network, data), atol=1e-5, rtol=0)


def test_a_vocabulary_too_large_for_the_table_is_scored_by_convolution():
    network = _text_cnn(vocab_size=20_000, n_filters=128)  # 14 x 20,001 x 128 > the cap
    assert network.encoder.lookup_table() is None
    data = TextData.build([np.array([5, 6, 7])], np.zeros((1, 0), np.float32),
                          np.zeros((1, 0), np.int64))
    assert torch.allclose(predict_text_logits(network, data, lookup=True),
                          predict_text_logits(network, data))


def test_int8_minilm_scores_close_to_float_and_the_same_alone_or_in_a_batch():
    """int8 Linear layers move a logit by quantisation error only; padding still masked."""
    exact = _minilm("fp32")
    quantized = _minilm("fp32")
    quantized.encoder.quantize_int8()
    rng = np.random.default_rng(0)
    ids = [rng.integers(1000, 20000, size=n) for n in (3, 12, 7)]
    data = TextData.build(ids, np.zeros((3, 0), np.float32), np.zeros((3, 0), np.int64))
    reference, fast = predict_text_logits(exact, data), predict_text_logits(quantized, data)
    assert torch.allclose(fast, reference, atol=0.1)
    assert not any(p.requires_grad for p in quantized.encoder.parameters())
    for row in range(3):
        alone = predict_text_logits(quantized, data.subset(np.array([row])))
        assert torch.allclose(alone, fast[row:row + 1], atol=1e-2)


def test_int8_is_refused_for_a_model_that_is_not_minilm():
    frame = make_text_frame(120, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FindeepWarning)
        model = fit_text(frame[["sentence"]], frame["sentiment"], model="text-cnn", verbose=0,
                         max_epochs=1)
    with pytest.raises(ConfigError, match="minilm"):
        model.quantize_int8()


def test_int8_scoring_fuses_query_key_value_without_changing_a_score():
    """Quantising fuses each layer's three attention inputs into one product; the sentence
    vectors are those of the three separately quantised products, padding still masked."""
    from torch import nn
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    fused, separate = _minilm("fp32"), _minilm("fp32")
    fused.encoder.quantize_int8()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_dynamic(separate.encoder.encoder, {nn.Linear: per_channel_dynamic_qconfig},
                         dtype=torch.qint8, inplace=True)
    assert all(layer.qkv is not None for layer in fused.encoder.encoder["layer"])
    assert all(layer.qkv is None for layer in separate.encoder.encoder["layer"])
    rng = np.random.default_rng(1)
    ids = [rng.integers(1000, 20000, size=n) for n in (28, 5, 17)]
    data = TextData.build(ids, np.zeros((3, 0), np.float32), np.zeros((3, 0), np.int64))
    torch.testing.assert_close(predict_text_logits(fused, data),
                               predict_text_logits(separate, data), atol=1e-6, rtol=0)


def test_a_text_model_named_twice_is_refused_before_any_fit():
    """As the tabular benchmark refuses it (it ran once and said nothing)."""
    with pytest.raises(ConfigError, match="named more than once: tfidf-lr"):
        run_text_benchmark(make_text_frame(60, seed=0), "sentiment",
                           models=["tfidf-lr", "text-cnn", "tfidf-lr"])
