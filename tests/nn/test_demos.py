"""The ERM demos keep their promises (reduced quick runs; the full digits run once) and write their files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from convalg.cli import main
from convalg.nn.demos import channels, digits, edges, params

FIGURES = {
    "edges": ["kernels.png", "loss.png", "feature_maps.png"],
    "channels": ["kernels.png", "loss.png", "feature_maps.png"],
    "digits": ["kernels.png", "loss.png", "feature_maps.png"],
    "params": ["toeplitz.png", "counts.png"],
}


def _written(out, demo):
    for name in FIGURES[demo] + ["report.txt"]:
        assert (out / name).stat().st_size > 0, name
    return json.loads((out / "report.json").read_text())


def test_edges_gradient_descent_reaches_least_squares_the_true_kernel_and_the_flipped_one(tmp_path):
    report = edges.run(tmp_path, quick=True)
    assert _written(tmp_path, "edges")["kernels"].keys() == report["kernels"].keys()
    for name, k in report["kernels"].items():
        true = np.asarray(k["true"])
        assert np.max(np.abs(np.asarray(k["learned"]) - np.asarray(k["least_squares"]))) < 1e-4, name
        assert np.max(np.abs(np.asarray(k["learned_without_noise"]) - true)) < 1e-4, name
        flipped = np.asarray(k["learned_from_convolution_target"])
        assert np.max(np.abs(flipped - true[::-1, ::-1])) < 1e-4, name
        # with noise the least-squares optimum is not the true kernel: the demo is no inverse crime
        assert k["max_abs_least_squares_vs_true"] > 1e-4, name
    # for the asymmetric kernels, the flipped kernel really differs from the true one
    assert report["kernels"]["sobel x"]["max_abs_learned_from_convolution_vs_true"] > 1
    assert report["holds"]


def test_channels_learns_all_six_channel_pairs_together(tmp_path):
    report = channels.run(tmp_path, quick=True)
    written = _written(tmp_path, "channels")
    assert np.asarray(written["learned"]).shape == (2, 3, 3, 3)
    assert report["max_abs_learned_vs_least_squares"] < 1e-4
    assert report["max_abs_learned_without_noise_vs_true"] < 1e-4
    assert report["holds"]


def test_params_counts_and_the_toeplitz_equivalence(tmp_path):
    report = params.run(tmp_path, quick=True)
    _written(tmp_path, "params")
    assert report["conv_parameters"] == 4 * 3 * 3 * 3 + 4
    assert report["dense_parameters"] == (3 * 8 * 8) * (4 * 6 * 6) + 4 * 6 * 6
    assert report["doubly_block_toeplitz"] and report["deviation_within_bound"]
    assert report["deviation_to_bound_ratio"] <= 1 and report["max_deviation"] >= 0


def test_the_toeplitz_matrix_of_a_kernel_is_the_correlation_it_stands_for(rng):
    import scipy.signal

    kernel, image = rng.standard_normal((3, 2)), rng.standard_normal((5, 7))
    matrix = params.doubly_block_toeplitz(kernel, 5, 7)
    expected = scipy.signal.correlate2d(image, kernel, mode="valid").ravel()
    np.testing.assert_allclose(matrix @ image.ravel(), expected, rtol=1e-13, atol=1e-13)


def test_digits_cnn_reaches_97_percent_test_accuracy(tmp_path):
    report = digits.run(tmp_path)
    written = _written(tmp_path, "digits")
    assert written["test_accuracy"] == report["test_accuracy"] >= 0.97
    assert len(written["epoch_loss"]) == 25 and written["seconds"] > 0


def test_learn_command_runs_a_demo_on_array_api_strict_and_reports(tmp_path, capsys):
    status = main(["learn", "params", "--quick", "--backend", "array_api_strict", "--out", str(tmp_path)])
    assert status == 0
    assert "doubly block Toeplitz: True" in capsys.readouterr().out
    assert json.loads((tmp_path / "report.json").read_text())["backend"] == "array_api_strict"


def test_learn_command_explains_an_unusable_backend_instead_of_crashing(tmp_path, capsys):
    from convalg.backends import available

    if available()["cupy"].usable:
        pytest.skip("cupy is usable here, so there is no unusable backend to ask for")
    assert main(["learn", "params", "--quick", "--backend", "cupy", "--out", str(tmp_path)]) == 2
    assert "backend 'cupy' is not usable here" in capsys.readouterr().err


def test_learn_command_rejects_an_unknown_demo(tmp_path):
    with pytest.raises(SystemExit) as info:
        main(["learn", "mnist", "--out", str(tmp_path)])
    assert info.value.code == 2


def test_demos_run_rejects_an_unknown_name(tmp_path):
    from convalg.nn import demos

    with pytest.raises(ValueError, match="demo must be one of"):
        demos.run("mnist", tmp_path)
