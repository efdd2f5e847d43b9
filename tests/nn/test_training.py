"""Optimisers follow their update rules (and PyTorch's), and fit is a reproducible ERM loop."""

from __future__ import annotations

import numpy as np
import pytest

from convalg import backends, nn

_START = np.array([1.0, -2.0])
_CURVATURE = np.array([1.0, 4.0])


def _quadratic_steps(optimizer_factory, steps, start=_START, curvature=_CURVATURE):
    p = nn.Parameter(start.copy())
    opt = optimizer_factory([p])
    path = []
    for _ in range(steps):
        p.grad = curvature * p.value
        opt.step()
        path.append(p.value.copy())
    return np.array(path)


def test_sgd_with_momentum_follows_the_heavy_ball_recurrence():
    path = _quadratic_steps(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.5), 5)
    x, v = np.array([1.0, -2.0]), np.zeros(2)
    for step in path:
        v = 0.5 * v + np.array([1.0, 4.0]) * x
        x = x - 0.1 * v
        assert np.allclose(step, x, rtol=0, atol=1e-15)


def test_adams_first_step_moves_each_parameter_by_the_learning_rate():
    path = _quadratic_steps(lambda ps: nn.Adam(ps, lr=0.05), 1)
    assert np.allclose(path[0], [1.0 - 0.05, -2.0 + 0.05], atol=1e-9)


@pytest.mark.torch
@pytest.mark.parametrize(
    ("name", "kwargs"), [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.05, betas=(0.8, 0.99)))]
)
def test_optimisers_follow_torch_optims_trajectory(name, kwargs):
    torch = pytest.importorskip("torch", reason="torch is the optional oracle (pip install 'convalg[torch]')")
    ours = _quadratic_steps(lambda ps: getattr(nn, name)(ps, **kwargs), 20)
    t = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    opt = getattr(torch.optim, name)([t], **kwargs)
    theirs = []
    for _ in range(20):
        opt.zero_grad()
        (0.5 * (torch.tensor([1.0, 4.0], dtype=torch.float64) * t * t).sum()).backward()
        opt.step()
        theirs.append(t.detach().numpy().copy())
    np.testing.assert_allclose(ours, np.array(theirs), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("make", "error", "words"),
    [
        (lambda p: nn.SGD([p], lr=0.0), ValueError, "lr must be a positive finite number"),
        (lambda p: nn.SGD([p], lr=0.1, momentum=1.0), ValueError, "momentum must be in [0, 1)"),
        (lambda p: nn.Adam([p], betas=(0.9, 1.5)), ValueError, "betas[1] must be in [0, 1)"),
        (lambda p: nn.Adam([], lr=0.1), ValueError, "parameters must not be empty"),
    ],
)
def test_bad_optimiser_settings_raise_errors_naming_the_setting(make, error, words):
    with pytest.raises(error) as info:
        make(nn.Parameter(np.zeros(2)))
    assert words in str(info.value)


def test_stepping_without_a_gradient_is_an_error_not_a_silent_no_op():
    opt = nn.SGD([nn.Parameter(np.zeros(2), "weight")], lr=0.1)
    with pytest.raises(RuntimeError, match=r"weight .* has no gradient"):
        opt.step()


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, 3])), "labels must lie in [0, 3)"),
        (lambda: nn.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0])), "labels must be integers"),
        (lambda: nn.MSELoss()(np.zeros((2, 3)), np.zeros((3, 2))), "target must have the prediction's shape"),
        (lambda: nn.Linear(3, 2)(np.zeros((4, 5))), "input must have shape (N, 3)"),
        (lambda: nn.Conv2d(2, 4, 3, groups=3), "groups=3 must divide"),
        (lambda: nn.MaxPool2d(4)(np.zeros((1, 1, 3, 3))), "kernel_size (4, 4) is larger"),
        (lambda: nn.ReLU().backward(np.zeros(2)), "backward called before forward"),
        (
            lambda: nn.fit(nn.Linear(1, 1), nn.MSELoss(), None, np.zeros((2, 1)), np.zeros((2, 1)), epochs=0),
            "epochs must be a positive int",
        ),
    ],
)
def test_bad_layer_and_loss_input_raises_a_clear_error(call, words):
    with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
        call()
    assert words in str(info.value)


def _digits_like(rng, n=60):
    x = rng.standard_normal((n, 1, 6, 6))
    labels = (x[:, 0, :3].sum(axis=(1, 2)) > x[:, 0, 3:].sum(axis=(1, 2))).astype(np.int64)
    return x, labels


def _train(x, labels, seed, epochs=4, backend=None):
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, seed=seed, backend=backend),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(36, 2, seed=seed + 1, backend=backend),
    )
    history = nn.fit(
        model,
        nn.CrossEntropyLoss(),
        nn.Adam(model.parameters(), lr=0.02),
        x,
        labels,
        epochs=epochs,
        batch_size=16,
        seed=seed,
        progress=False,
    )
    return model, history


def test_fit_is_reproducible_under_a_seed_and_depends_on_it(rng):
    x, labels = _digits_like(rng)
    first, history = _train(x, labels, seed=3)
    second, _ = _train(x, labels, seed=3)
    other, _ = _train(x, labels, seed=4)
    for a, b in zip(first.parameters(), second.parameters()):
        assert np.array_equal(a.value, b.value)
    assert not np.array_equal(first.parameters()[0].value, other.parameters()[0].value)
    assert len(history.epoch_loss) == 4 and len(history.step_loss) == 4 * 4


def test_fit_lowers_the_training_loss(rng):
    x, labels = _digits_like(rng, 120)
    _, history = _train(x, labels, seed=0, epochs=15)
    assert history.epoch_loss[-1] < 0.5 * history.epoch_loss[0]


def test_fit_trains_the_same_network_on_array_api_strict(rng):
    x, labels = _digits_like(rng)
    reference, _ = _train(x, labels, seed=5, epochs=2)
    _, (xs, ls) = backends.namespace(x, labels, backend="array_api_strict")
    strict, _ = _train(xs, ls, seed=5, epochs=2, backend="array_api_strict")
    for ours, theirs in zip(strict.parameters(), reference.parameters()):
        assert type(ours.value).__module__.startswith("array_api_strict")
        np.testing.assert_allclose(backends.to_numpy(ours.value), theirs.value, rtol=1e-9, atol=1e-12)


def test_fit_shows_a_progress_bar_and_calls_back_each_epoch(rng, capsys):
    x = rng.standard_normal((8, 2))
    model = nn.Linear(2, 1, seed=0)
    seen = []
    nn.fit(
        model,
        nn.MSELoss(),
        nn.SGD(model.parameters(), lr=0.1),
        x,
        x[:, :1],
        epochs=3,
        batch_size=4,
        progress=True,
        on_epoch=lambda epoch, history: seen.append((epoch, len(history.epoch_loss))),
    )
    assert seen == [(0, 1), (1, 2), (2, 3)]
