r"""Optimizers and learning-rate schedules: agreement with PyTorch, the slides' worked examples,
convergence on small problems, argument checks, configs and checkpoint state."""
import math

import numpy as np
import pytest

from neurona import optimizers, schedules

torch = pytest.importorskip("torch")

SHAPES = [(5, 3), (3,), (2, 4, 2)]
N_STEPS = 100


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-12)


def random_params(seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def random_gradients(n_steps=N_STEPS, seed=1):
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=shape) for shape in SHAPES] for _ in range(n_steps)]


def run_neurona(optimizer, params, gradients):
    params = [p.copy() for p in params]
    for grads in gradients:
        optimizer.apply(params, grads)
    return params


def run_torch(make_optimizer, params, gradients, make_scheduler=None):
    tensors = [torch.nn.Parameter(torch.tensor(p, dtype=torch.float64)) for p in params]
    optimizer = make_optimizer(tensors)
    scheduler = make_scheduler(optimizer) if make_scheduler else None
    for grads in gradients:
        for tensor, grad in zip(tensors, grads):
            tensor.grad = torch.tensor(grad, dtype=torch.float64)
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return [t.detach().numpy() for t in tensors]


# ------------------------------------------------------------------ against PyTorch

TORCH_PAIRS = {
    "sgd": (lambda: optimizers.SGD(learning_rate=0.05),
            lambda ps: torch.optim.SGD(ps, lr=0.05)),
    "sgd_momentum": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0)),
    "sgd_nesterov": (lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
                     lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True)),
    # PyTorch adds RMSprop's epsilon after the root, neurona inside it (the slides, Keras: against
    # Keras in test_optimizers_keras.py); with a tiny epsilon the two forms compare the rest
    "rmsprop": (lambda: optimizers.RMSprop(learning_rate=0.01, rho=0.9, epsilon=1e-14),
                lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-14)),
    "rmsprop_rho_0.99": (lambda: optimizers.RMSprop(learning_rate=0.003, rho=0.99, epsilon=1e-14),
                         lambda ps: torch.optim.RMSprop(ps, lr=0.003, alpha=0.99, eps=1e-14)),
    # PyTorch adds Adam's epsilon to sqrt(v_hat), neurona to sqrt(v) as Keras (against Keras in
    # test_adam_epsilon_keras.py); a tiny epsilon compares the rest
    "adam": (lambda: optimizers.Adam(learning_rate=0.01, epsilon=1e-14),
             lambda ps: torch.optim.Adam(ps, lr=0.01, eps=1e-14, foreach=False)),
    "adam_betas": (lambda: optimizers.Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-14),
                   lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-14)),
}


@pytest.mark.parametrize("name", sorted(TORCH_PAIRS))
def test_matches_torch_after_100_steps(name):
    make_ours, make_theirs = TORCH_PAIRS[name]
    params, gradients = random_params(), random_gradients()
    ours = run_neurona(make_ours(), params, gradients)
    theirs = run_torch(make_theirs, params, gradients)
    for mine, reference in zip(ours, theirs):
        assert mine.shape == reference.shape
        assert_close(mine, reference)
    # the run really moved the parameters
    assert not np.allclose(ours[0], params[0])


def test_adam_slots_are_torch_moments_without_their_factors():
    # m = (1 - beta_1) m_sum and v = (1 - beta_2) v_sum are torch's exp_avg and exp_avg_sq
    params, gradients = random_params(), random_gradients()
    ours = optimizers.Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-7)
    run_neurona(ours, params, gradients)
    made = []
    run_torch(lambda ps: made.append(torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.99), eps=1e-7)) or made[0],
              params, gradients)
    theirs = made[0]
    for slots, tensor in zip(ours.get_state()["slots"], theirs.param_groups[0]["params"]):
        state = theirs.state[tensor]
        assert_close((1 - 0.8) * slots["m_sum"], state["exp_avg"].numpy())
        assert_close((1 - 0.99) * slots["v_sum"], state["exp_avg_sq"].numpy())


def test_adam_takes_the_moments_m_and_v_of_earlier_checkpoints():
    params, gradients = random_params(), random_gradients()
    first = optimizers.Adam(learning_rate=0.01, beta_1=0.85, beta_2=0.995)
    w1 = run_neurona(first, params, gradients[:30])
    state = first.get_state()
    legacy = {"iterations": state["iterations"],
              "slots": [{"m": (1 - 0.85) * s["m_sum"], "v": (1 - 0.995) * s["v_sum"]} for s in state["slots"]]}
    second = optimizers.Adam(learning_rate=0.01, beta_1=0.85, beta_2=0.995)
    w2 = [p.copy() for p in w1]
    second.set_state(legacy, w2)
    for grads in gradients[30:]:
        first.apply(w1, grads)
        second.apply(w2, grads)
    for a, b in zip(w1, w2):
        assert_close(b, a)


def torch_lr_sequence(make_scheduler, n_steps, lr0=0.1):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))], lr=lr0)
    scheduler = make_scheduler(optimizer)
    rates = []
    for _ in range(n_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(rates)


# (neurona schedule, torch scheduler factory, number of steps compared); initial rate 0.1
SCHEDULE_PAIRS = {
    "exponential": (schedules.ExponentialDecay(0.1, decay_rate=0.97, decay_steps=1),
                    lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.97), N_STEPS),
    "step": (schedules.StepDecay(0.1, drop=0.5, step_size=7),
             lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5), N_STEPS),
    # CosineAnnealingLR goes back up after T_max; neurona stays at the minimum, so compare t <= T.
    "cosine": (schedules.CosineAnnealing(0.1, decay_steps=N_STEPS),
               lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=N_STEPS), N_STEPS + 1),
    "cosine_min": (schedules.CosineAnnealing(0.1, decay_steps=60, min_learning_rate=0.01),
                   lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=60, eta_min=0.01), 61),
    "warm_restarts": (schedules.CosineAnnealingWarmRestarts(0.1, first_decay_steps=10),
                      lambda opt: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=10),
                      N_STEPS),
    "warm_restarts_t_mult_2": (
        schedules.CosineAnnealingWarmRestarts(0.1, first_decay_steps=5, t_mult=2, min_learning_rate=0.001),
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=5, T_mult=2, eta_min=0.001),
        N_STEPS),
}


@pytest.mark.parametrize("name", sorted(SCHEDULE_PAIRS))
def test_schedule_learning_rates_match_torch_scheduler(name):
    schedule, make_scheduler, n_steps = SCHEDULE_PAIRS[name]
    ours = np.array([schedule(t) for t in range(n_steps)])
    assert_close(ours, torch_lr_sequence(make_scheduler, n_steps))


@pytest.mark.parametrize("name", sorted(SCHEDULE_PAIRS))
def test_sgd_with_schedule_takes_the_velocity_form(name):
    # Keras's v <- mu v - alpha_t g, w <- w + v (PyTorch's differs once alpha changes; plain SGD agrees)
    schedule, make_scheduler, n_steps = SCHEDULE_PAIRS[name]
    params, gradients = random_params(2), random_gradients(n_steps, seed=3)
    ours = run_neurona(optimizers.SGD(learning_rate=schedule, momentum=0.9), params, gradients)
    w, v = [p.copy() for p in params], [np.zeros_like(p) for p in params]
    for t, grads in enumerate(gradients):
        for i, g in enumerate(grads):
            v[i] = 0.9 * v[i] - schedule(t) * g
            w[i] = w[i] + v[i]
    for mine, by_hand in zip(ours, w):
        assert_close(mine, by_hand)
    plain = run_neurona(optimizers.SGD(learning_rate=schedule), params, gradients)
    theirs = run_torch(lambda ps: torch.optim.SGD(ps, lr=0.1), params, gradients, make_scheduler)
    for mine, reference in zip(plain, theirs):
        assert_close(mine, reference)


def test_adam_with_exponential_decay_matches_torch():
    params, gradients = random_params(4), random_gradients(seed=5)
    schedule = schedules.ExponentialDecay(0.01, decay_rate=0.98, decay_steps=1)
    ours = run_neurona(optimizers.Adam(learning_rate=schedule, epsilon=1e-8), params, gradients)
    theirs = run_torch(lambda ps: torch.optim.Adam(ps, lr=0.01, eps=1e-8), params, gradients,
                       lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.98))
    for mine, reference in zip(ours, theirs):
        assert_close(mine, reference)


def test_current_learning_rate_follows_schedule_by_iteration():
    opt = optimizers.SGD(learning_rate=schedules.StepDecay(0.1, drop=0.5, step_size=2))
    w = np.zeros(3)
    seen = []
    for _ in range(5):
        seen.append(opt.current_learning_rate)
        opt.apply([w], [np.ones(3)])
    assert seen == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])
    assert opt.iterations == 5
    np.testing.assert_allclose(w, -sum(seen) * np.ones(3))


# ------------------------------------------------------------------ the slides' examples

def test_ewma_velocity_after_one_step_seed_001():
    # V_1 = beta V_0 + (1 - beta) theta_1 = 0.1 * 30 = 3 (the slide prints 0.3: a misprint)
    beta, lr = 0.9, 0.01
    opt = optimizers.SGD(learning_rate=lr, momentum=beta, dampening=beta)
    w = np.array([1.0])
    opt.apply([w], [np.array([30.0])])
    velocity = opt.get_state()["slots"][0]["velocity"]
    np.testing.assert_allclose(velocity, [3.0], rtol=1e-12)
    np.testing.assert_allclose(velocity / (1 - beta ** 1), [30.0], rtol=1e-12)   # bias-corrected
    np.testing.assert_allclose(w, [1.0 - lr * 3.0], rtol=1e-12)


def test_ewma_velocity_tracks_exponential_average():
    beta = 0.9
    thetas = [30.0, 20.0, 25.0, 10.0]
    opt = optimizers.SGD(learning_rate=0.01, momentum=beta, dampening=beta)
    w = np.zeros(1)
    expected = 0.0
    for theta in thetas:
        opt.apply([w], [np.array([theta])])
        expected = beta * expected + (1 - beta) * theta
        np.testing.assert_allclose(opt.get_state()["slots"][0]["velocity"], [expected], rtol=1e-12)


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.99])
def test_momentum_equals_velocity_form_seed_004(mu):
    lr = 0.01
    params, gradients = random_params(6), random_gradients(200, seed=7)
    ours = run_neurona(optimizers.SGD(learning_rate=lr, momentum=mu), params, gradients)
    w = [p.copy() for p in params]
    v = [np.zeros_like(p) for p in params]
    for grads in gradients:
        for i, g in enumerate(grads):
            v[i] = mu * v[i] - lr * g
            w[i] = w[i] + v[i]
    for mine, by_hand in zip(ours, w):
        np.testing.assert_allclose(mine, by_hand, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------ small problems

def make_optimizer(kind, lr):
    return {
        "sgd": lambda: optimizers.SGD(learning_rate=lr),
        "momentum": lambda: optimizers.SGD(learning_rate=lr, momentum=0.9),
        "nesterov": lambda: optimizers.SGD(learning_rate=lr, momentum=0.9, nesterov=True),
        "rmsprop": lambda: optimizers.RMSprop(learning_rate=lr),
        "adam": lambda: optimizers.Adam(learning_rate=lr),
    }[kind]()


QUADRATIC_A = np.array([[3.0, 0.5, 0.0],
                        [0.5, 1.0, 0.2],
                        [0.0, 0.2, 0.5]])   # symmetric positive definite, condition number about 7


# (optimizer, learning rate, steps)
QUADRATIC_SETTINGS = [
    ("sgd", 0.3, 300),
    ("momentum", 0.05, 300),
    ("nesterov", 0.05, 300),
    ("rmsprop", schedules.ExponentialDecay(0.05, decay_rate=0.99), 1000),
    ("adam", schedules.ExponentialDecay(0.1, decay_rate=0.995), 1500),
]


@pytest.mark.parametrize("kind, lr, steps", QUADRATIC_SETTINGS, ids=[s[0] for s in QUADRATIC_SETTINGS])
def test_decreases_convex_quadratic_to_minimum(kind, lr, steps):
    def f(w):
        return 0.5 * w @ QUADRATIC_A @ w

    w = np.array([2.0, -3.0, 1.5])
    start = f(w)
    opt = make_optimizer(kind, lr)
    for _ in range(steps):
        opt.apply([w], [QUADRATIC_A @ w])
    assert f(w) < 1e-6 * start
    assert np.linalg.norm(w) < 1e-2


def rosenbrock(w):
    x, y = w
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def rosenbrock_gradient(w):
    x, y = w
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


ROSENBROCK_SETTINGS = [
    ("sgd", 1e-3, 20000),
    ("momentum", 1e-3, 5000),
    ("nesterov", 1e-3, 5000),
    ("rmsprop", schedules.ExponentialDecay(1e-2, decay_rate=0.999), 5000),
    ("adam", 2e-2, 3000),
]


@pytest.mark.parametrize("kind, lr, steps", ROSENBROCK_SETTINGS, ids=[s[0] for s in ROSENBROCK_SETTINGS])
def test_reaches_rosenbrock_minimum(kind, lr, steps):
    w = np.array([-1.2, 1.0])          # the classic start, f = 24.2
    opt = make_optimizer(kind, lr)
    for _ in range(steps):
        opt.apply([w], [rosenbrock_gradient(w)])
    assert np.linalg.norm(w - 1.0) < 0.02
    assert rosenbrock(w) < 1e-4


# ------------------------------------------------------------------ argument checks

@pytest.mark.parametrize("make, argument", [
    (lambda: optimizers.SGD(learning_rate=-0.1), "learning_rate"),
    (lambda: optimizers.Adam(learning_rate=-1.0), "learning_rate"),
    (lambda: optimizers.RMSprop(learning_rate=0), "learning_rate"),
    (lambda: optimizers.Adam(beta_1=1), "beta_1"),
    (lambda: optimizers.Adam(beta_2=1.5), "beta_2"),
    (lambda: optimizers.RMSprop(rho=-0.1), "rho"),
    (lambda: optimizers.SGD(momentum=1.0), "momentum"),
    (lambda: optimizers.SGD(nesterov=True), "momentum"),
    (lambda: optimizers.SGD(momentum=0.9, dampening=0.5, nesterov=True), "dampening"),
], ids=["sgd_negative_lr", "adam_negative_lr", "rmsprop_zero_lr", "beta_1_one", "beta_2_above_one",
        "rho_negative", "momentum_one", "nesterov_without_momentum", "nesterov_with_dampening"])
def test_bad_argument_raises_value_error_naming_it(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()


def test_nesterov_without_momentum_message_mentions_nesterov():
    with pytest.raises(ValueError, match="(?i)nesterov"):
        optimizers.SGD(learning_rate=0.1, momentum=0, nesterov=True)


def test_get_unknown_name_lists_known_names_and_suggests_adam():
    with pytest.raises(ValueError) as info:
        optimizers.get("adma")
    message = str(info.value)
    assert "'adma'" in message
    assert "Did you mean 'adam'?" in message
    for name in optimizers.registry.names():
        assert name in message


def test_get_from_config_dict():
    opt = optimizers.get({"name": "adam", "learning_rate": 0.01})
    assert isinstance(opt, optimizers.Adam)
    assert opt.learning_rate == 0.01
    assert opt.beta_1 == 0.9


def test_get_from_name_instance_and_class():
    assert isinstance(optimizers.get("SGD"), optimizers.SGD)
    opt = optimizers.RMSprop(learning_rate=0.1)
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(optimizers.Adam), optimizers.Adam)
    assert optimizers.get(None) is None


# ------------------------------------------------------------------ configs and state

@pytest.mark.parametrize("name", optimizers.registry.names())
def test_default_config_round_trips_for_every_registered_optimizer(name):
    opt = optimizers.get(name)
    config = opt.get_config()
    assert config["name"] == name
    assert optimizers.get(config) == opt


@pytest.mark.parametrize("opt", [
    optimizers.SGD(learning_rate=0.2, momentum=0.8, dampening=0.1),
    optimizers.SGD(learning_rate=0.2, momentum=0.8, nesterov=True),
    optimizers.RMSprop(learning_rate=0.01, rho=0.95, epsilon=1e-6),
    optimizers.Adam(learning_rate=0.003, beta_1=0.85, beta_2=0.99, epsilon=1e-8),
    optimizers.Adam(learning_rate=schedules.CosineAnnealing(0.01, decay_steps=100, min_learning_rate=1e-4)),
    optimizers.SGD(learning_rate=schedules.StepDecay(0.1, drop=0.5, step_size=10), momentum=0.9),
], ids=["sgd_dampening", "sgd_nesterov", "rmsprop", "adam", "adam_cosine", "sgd_step_decay"])
def test_config_round_trips(opt):
    config = opt.get_config()
    rebuilt = optimizers.get(config)
    assert rebuilt == opt
    assert rebuilt.get_config() == config
    if isinstance(opt.learning_rate, schedules.Schedule):
        assert isinstance(config["learning_rate"], dict)
        assert rebuilt.learning_rate == opt.learning_rate
        assert rebuilt.learning_rate is not opt.learning_rate


@pytest.mark.parametrize("make", [
    lambda: optimizers.SGD(learning_rate=0.05),
    lambda: optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.RMSprop(learning_rate=0.01),
    lambda: optimizers.Adam(learning_rate=0.01),
    lambda: optimizers.Adam(learning_rate=schedules.ExponentialDecay(0.01, decay_rate=0.95)),
], ids=["sgd", "nesterov", "rmsprop", "adam", "adam_schedule"])
def test_state_round_trip_resumes_identically(make):
    params, gradients = random_params(8), random_gradients(40, seed=9)
    first = make()
    w1 = [p.copy() for p in params]
    for grads in gradients[:20]:
        first.apply(w1, grads)

    second = make()
    w2 = [p.copy() for p in w1]
    second.set_state(first.get_state(), w2)
    assert second.iterations == first.iterations == 20
    for grads in gradients[20:]:
        first.apply(w1, grads)
        second.apply(w2, grads)
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_get_state_returns_copies():
    opt = optimizers.Adam()
    w = [np.ones(3)]
    opt.apply(w, [np.ones(3)])
    state = opt.get_state()
    state["slots"][0]["m_sum"][...] = 123.0
    assert not np.any(opt.get_state()["slots"][0]["m_sum"] == 123.0)
    assert all(not key.startswith("_") for key in state["slots"][0])


# ------------------------------------------------------------------ schedules

SCHEDULE_EXAMPLES = {
    schedules.StepDecay: schedules.StepDecay(0.1, drop=0.25, step_size=4),
    schedules.TimeBasedDecay: schedules.TimeBasedDecay(0.5, decay_rate=0.1, decay_steps=3),
    schedules.ExponentialDecay: schedules.ExponentialDecay(0.2, decay_rate=0.9, decay_steps=5, staircase=True),
    schedules.CosineAnnealing: schedules.CosineAnnealing(0.1, decay_steps=50, min_learning_rate=0.001),
    schedules.CosineAnnealingWarmRestarts: schedules.CosineAnnealingWarmRestarts(
        0.1, first_decay_steps=8, t_mult=3, min_learning_rate=0.002),
    # Keras's (their values against Keras: test_schedules_keras)
    schedules.InverseTimeDecay: schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay: schedules.PiecewiseConstantDecay([5, 20], [0.1, 0.05, 0.01]),
    schedules.PolynomialDecay: schedules.PolynomialDecay(0.1, 30, end_learning_rate=0.01, power=2.0, cycle=True),
    schedules.CosineDecay: schedules.CosineDecay(0.0, 40, alpha=0.1, warmup_target=0.1, warmup_steps=5),
    schedules.CosineDecayRestarts: schedules.CosineDecayRestarts(0.1, 7, t_mul=2.0, m_mul=0.8, alpha=0.01),
}


def test_every_registered_schedule_has_an_example():
    registered = {schedules.registry.lookup(name) for name in schedules.registry.names()}
    assert registered == set(SCHEDULE_EXAMPLES)


@pytest.mark.parametrize("cls", list(SCHEDULE_EXAMPLES), ids=lambda c: c.__name__)
def test_schedule_config_round_trips(cls):
    schedule = SCHEDULE_EXAMPLES[cls]
    config = schedule.get_config()
    rebuilt = schedules.get(config)
    assert type(rebuilt) is cls
    assert rebuilt == schedule
    assert rebuilt.get_config() == config
    assert [rebuilt(t) for t in range(60)] == [schedule(t) for t in range(60)]


@pytest.mark.parametrize("schedule, step, expected", [
    (schedules.StepDecay(0.1, drop=0.5, step_size=10), 0, 0.1),
    (schedules.StepDecay(0.1, drop=0.5, step_size=10), 9, 0.1),
    (schedules.StepDecay(0.1, drop=0.5, step_size=10), 10, 0.05),
    (schedules.StepDecay(0.1, drop=0.5, step_size=10), 25, 0.025),
    (schedules.TimeBasedDecay(1, decay_rate=0.5), 0, 1.0),
    (schedules.TimeBasedDecay(1, decay_rate=0.5), 2, 0.5),
    (schedules.TimeBasedDecay(1, decay_rate=0.5, decay_steps=10), 20, 0.5),
    (schedules.ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2), 3, 0.5 ** 1.5),
    (schedules.ExponentialDecay(1.0, decay_rate=0.5, decay_steps=2, staircase=True), 3, 0.5),
    (schedules.CosineAnnealing(1.0, decay_steps=10), 0, 1.0),
    (schedules.CosineAnnealing(1.0, decay_steps=10), 5, 0.5),
    (schedules.CosineAnnealing(1.0, decay_steps=10), 10, 0.0),
    (schedules.CosineAnnealing(1.0, decay_steps=10, min_learning_rate=0.1), 25, 0.1),
    (schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=10), 5, 0.5),
    (schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=10), 10, 1.0),
    (schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=10), 25, 0.5),
    (schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=10, t_mult=2), 20, 0.5),
    (schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=10, t_mult=2), 30, 1.0),
])
def test_schedule_known_values(schedule, step, expected):
    assert schedule(step) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_cosine_warm_restarts_cycle_boundaries():
    schedule = schedules.CosineAnnealingWarmRestarts(1.0, first_decay_steps=4, t_mult=2)
    restarts = [t for t in range(1, 100) if schedule(t) == 1.0]
    assert restarts == [4, 12, 28, 60]       # cycles of 4, 8, 16, 32 steps
    assert schedule(3) == pytest.approx(0.5 * (1 + math.cos(math.pi * 3 / 4)))


@pytest.mark.parametrize("make, argument", [
    (lambda: schedules.StepDecay(-0.1), "initial_learning_rate"),
    (lambda: schedules.StepDecay(0.1, drop=0), "drop"),
    (lambda: schedules.StepDecay(0.1, step_size=0), "step_size"),
    (lambda: schedules.ExponentialDecay(0.1, decay_rate=1.5), "decay_rate"),
    (lambda: schedules.CosineAnnealing(0.1, decay_steps=0), "decay_steps"),
    (lambda: schedules.CosineAnnealingWarmRestarts(0.1, first_decay_steps=5, t_mult=0), "t_mult"),
])
def test_schedule_bad_argument_raises_value_error_naming_it(make, argument):
    with pytest.raises(ValueError, match=argument):
        make()
