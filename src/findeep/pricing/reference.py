"""Reference pricers, the truth the surrogate learns: Black–Scholes–Merton and Heston (COS).

Everything is vectorised numpy over arrays of options and returns prices **in strike
units** (price / K): by homogeneity a European option's price divided by its strike depends
on spot and strike only through the moneyness ``S/K``.

Heston is priced with the COS method of Fang & Oosterlee (2008): the put's payoff is
expanded in a cosine series on a truncated log-price range ``[a, b]`` whose width comes from
the first, second and fourth cumulants of the log-return, and the call follows by put–call
parity (their recommendation: a put's payoff is bounded, so truncation errors stay small).
The number of cosine terms is chosen per option: 128 to start, doubled while the last half
of the terms still adds up to more than ``TAIL_TOLERANCE`` (the series converges
exponentially, so what lies beyond is far smaller), up to ``MAX_TERMS``; an option that
needs more gets its price with a ``FindeepWarning``, as it cannot be trusted to 1e-8. The
characteristic function uses the "little Heston trap" form (Albrecher et al. 2007), with
the ``1/gamma²`` factors rewritten so that a vol-of-vol near zero does not cancel
catastrophically.

Measured accuracy (prices in strike units): over the default box, 20,000 Latin-hypercube
options agree with QuantLib's ``AnalyticHestonEngine`` to 5e-14 at worst. Far outside it
(9,000 random options with S/K 0.3-3, maturities to 10 years, kappa to 5, gamma to 2.5,
|rho| to 1, vbar and v0 to 1), every difference above 1e-8 was either warned about
(a vol of vol near 2 over many years: up to 2e-6) or QuantLib's own error (checked against
a 30-digit mpmath integration, which agrees with this pricer to 1e-16).
tests/pricing/test_reference.py keeps a sample of both.

The box is closed, and its edges are priced as limits, never as NaN: where the variance
barely moves over the option's life (``kappa`` = 0 with ``gamma`` small or ``u`` near 0:
the closed form divides 0 by 0 there) the characteristic function is summed as the power
series of its Riccati equations instead; a zero maturity is the discounted intrinsic value.
Parameters outside the model (a negative variance, ``kappa`` or vol of vol, ``|rho| > 1``, a
negative maturity, a moneyness that is not positive) raise ``ConfigError``; a NaN input
gives a NaN price, as numpy does.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import ndtr

from findeep.data.schema import FindeepWarning
from findeep.errors import ConfigError

PRICER_VERSION = "findeep-heston-cos-2"  # bump whenever a reference price changes
# cosine terms, per option: FIRST_TERMS to start with, then doubled while the last half of
# them still adds up (in absolute value) to more than TAIL_TOLERANCE of strike, up to
# MAX_TERMS. A fixed 512 missed 1e-8 where the density is sharply peaked (Feller far from
# met: 1.2e-5 at rho -0.95, kappa 0.05, vbar 0.01, gamma 0.5); adaptively, 20,000 options of
# the box agree with QuantLib to 5e-14, and the box prices with 2.8 times less CPU (104 vs
# 287 us per option on one thread), as most options need only 128 or 256 terms
FIRST_TERMS = 128
MAX_TERMS = 2**15
TAIL_TOLERANCE = 1e-10
# range half-width in standard deviations of the log-return: 12 left 1.2e-8 where the vol of
# vol is large (gamma 2.4, outside the box); 16 costs 9% more time over the box
L_RANGE = 16.0
CHUNK_OPTIONS = 8192  # options per block
CHUNK_CELLS = CHUNK_OPTIONS * 512  # options x terms per pass: complex128 arrays of 64 MiB
# |beta| T and |d| T both below this: the closed form's (beta - d)/gamma² and 1 - exp(-d T)
# lose digits (measured against 110-digit mpmath: CF error <= 2e-13 from 1e-3 up, 3e-9 at
# 1e-7, 0/0 at 0), so the CF is summed as a power series in the maturity there instead
SLOW_VARIANCE = 1e-3
SERIES_TERMS = 12  # each term is <= SLOW_VARIANCE times the last: far below double precision


def _broadcast(who: str, names: tuple[str, ...], *values: ArrayLike) -> list[np.ndarray]:
    """``values`` as float arrays of one shape; text or shapes that do not broadcast are a
    ``ConfigError`` naming the argument (numpy's own errors name neither)."""
    arrays = []
    for name, value in zip(names, values, strict=True):
        try:
            arrays.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
            raise ConfigError(f"{who}: {name} must be a number or an array of numbers, "
                              f"however: {name}={shown}.") from None
    try:
        return [np.asarray(a, dtype=float) for a in np.broadcast_arrays(*arrays)]
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(names, arrays, strict=True)
                           if a.ndim)
        raise ConfigError(f"{who}: the arrays' shapes do not broadcast together ({shapes}); "
                          "give arrays of one length, or scalars.") from None


def bsm_price(moneyness: ArrayLike, maturity: ArrayLike, rate: ArrayLike, volatility: ArrayLike,
              *, dividend: ArrayLike = 0.0, call: ArrayLike = True) -> np.ndarray:
    """Black–Scholes–Merton price in strike units; ``moneyness`` is S/K.

    Zero volatility or maturity gives the discounted intrinsic value (its limit). A negative
    volatility or maturity, a moneyness that is not positive, or an infinity raises
    ``ConfigError`` naming each, as ``heston_price`` does; NaN gives NaN.
    """
    m, tau, r, sigma, q, is_call = _broadcast(
        "bsm_price", ("moneyness", "maturity", "rate", "volatility", "dividend", "call"),
        moneyness, maturity, rate, volatility, dividend, call)
    _check_inputs("bsm_price", {"moneyness": m, "maturity": tau, "rate": r,
                                "volatility": sigma, "dividend": q})
    forward = m * np.exp(-q * tau)  # S e^{-q tau} / K
    discount = np.exp(-r * tau)
    total = sigma * np.sqrt(tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (np.log(forward / discount) + 0.5 * total**2) / total
    d2 = d1 - total
    call_price = forward * ndtr(d1) - discount * ndtr(d2)
    put_price = discount * ndtr(-d2) - forward * ndtr(-d1)
    limit = total <= 0  # the intrinsic value itself: at the money d1 would be 0/0
    call_price = np.where(limit, np.maximum(forward - discount, 0.0), call_price)
    put_price = np.where(limit, np.maximum(discount - forward, 0.0), put_price)
    return np.where(is_call.astype(bool), call_price, put_price)


def bsm_vega(moneyness: ArrayLike, maturity: ArrayLike, rate: ArrayLike, volatility: ArrayLike,
             *, dividend: ArrayLike = 0.0) -> np.ndarray:
    """dPrice/dVolatility in strike units (the same for calls and puts)."""
    m, tau, r, sigma, q = _broadcast(
        "bsm_vega", ("moneyness", "maturity", "rate", "volatility", "dividend"), moneyness,
        maturity, rate, volatility, dividend)
    forward = m * np.exp(-q * tau)
    total = sigma * np.sqrt(tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (np.log(forward / np.exp(-r * tau)) + 0.5 * total**2) / total
    return np.nan_to_num(forward * np.exp(-0.5 * d1**2) / np.sqrt(2 * np.pi) * np.sqrt(tau))


def _log1p_complex(z: np.ndarray) -> np.ndarray:
    """log(1 + z) for complex z, accurate for tiny |z| as well (numpy's is not)."""
    small = np.abs(z) < 1e-4
    series = z - z**2 / 2 + z**3 / 3 - z**4 / 4
    with np.errstate(all="ignore"):
        direct = np.log1p(z)
    return np.where(small, series, direct)


def heston_log_cf(u: np.ndarray, maturity: np.ndarray, drift: np.ndarray, kappa: np.ndarray,
                  vbar: np.ndarray, gamma: np.ndarray, rho: np.ndarray,
                  v0: np.ndarray) -> np.ndarray:
    """log E[exp(i u log(S_T/S_0))] under Heston; parameter arrays broadcast against ``u``.

    ``drift`` is r - q. Written so that no term divides by gamma²: with
    ``beta = kappa - i rho gamma u`` and ``d² = beta² + gamma² (i u + u²)``,
    ``(beta - d)/gamma² = -(i u + u²)/(beta + d)``.
    """
    iu = 1j * u
    beta = kappa - rho * gamma * iu
    d = np.sqrt(beta**2 + gamma**2 * (iu + u**2))
    a = iu + u**2
    with np.errstate(all="ignore"):  # 0/0 where the variance is slow: replaced below
        beta_minus_d_over_g2 = -a / (beta + d)  # (beta - d) / gamma²
        g_over_g2 = -a / (beta + d) ** 2  # g / gamma², g = (beta - d)/(beta + d)
        g = gamma**2 * g_over_g2
        e = np.exp(-d * maturity)
        # log((1 - g e)/(1 - g)) = log1p(g (1 - e)/(1 - g)); divided by gamma² without cancelling
        z = g * (1 - e) / (1 - g)
        log_ratio_over_g2 = np.where(np.abs(z) < 1e-4,
                                     g_over_g2 * (1 - e) / (1 - g) * (1 - z / 2 + z**2 / 3),
                                     _log1p_complex(z) / gamma**2)
        out = (iu * drift * maturity
               + kappa * vbar * (beta_minus_d_over_g2 * maturity - 2 * log_ratio_over_g2)
               + v0 * beta_minus_d_over_g2 * (1 - e) / (1 - g * e))
    slow = np.maximum(np.abs(beta), np.abs(d)) * maturity < SLOW_VARIANCE
    if slow.any():
        shape = out.shape
        out = np.array(out, dtype=complex)  # writable, whatever broadcasting gave
        picked = [np.broadcast_to(v, shape)[slow] for v in (a, beta, maturity, kappa, vbar,
                                                            gamma, v0)]
        out[slow] = (np.broadcast_to(iu * drift * maturity, shape)[slow]
                     + _slow_variance_terms(*picked))
    return out


def _slow_variance_terms(a: np.ndarray, beta: np.ndarray, maturity: np.ndarray,
                         kappa: np.ndarray, vbar: np.ndarray, gamma: np.ndarray,
                         v0: np.ndarray) -> np.ndarray:
    """``C + v0 D`` of the log CF by the power series of Heston's Riccati equations, for
    ``|beta| T`` and ``|d| T`` below ``SLOW_VARIANCE`` (kappa = 0 with gamma = 0 included).

    ``D' = -a/2 - beta D + gamma² D²/2`` and ``C' = kappa vbar D`` from 0 at t = 0; with
    ``D(t) = sum_n c_n t^n`` the scaled terms ``x_n = c_n T^n`` obey ``x_1 = -a T/2``,
    ``(n+1) x_{n+1} = -beta T x_n + (gamma² T/2) sum_{k=1}^{n-1} x_k x_{n-k}``, so that
    ``D(T) = sum x_n`` and ``C(T) = kappa vbar T sum x_n/(n+1)``.
    """
    terms = [-a * maturity / 2]
    beta_t, half_g2_t = beta * maturity, gamma**2 * maturity / 2
    for n in range(1, SERIES_TERMS):
        square = sum((terms[k] * terms[n - 2 - k] for k in range(n - 1)),
                     start=np.zeros_like(terms[0]))
        terms.append((-beta_t * terms[n - 1] + half_g2_t * square) / (n + 1))
    variance_part = sum(terms[1:], start=terms[0])
    mean_part = sum((x / (n + 2) for n, x in enumerate(terms)), start=np.zeros_like(terms[0]))
    return kappa * vbar * maturity * mean_part + v0 * variance_part


def _heston_cumulants(maturity: np.ndarray, drift: np.ndarray, kappa: np.ndarray,
                      vbar: np.ndarray, gamma: np.ndarray, rho: np.ndarray,
                      v0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread ``c2 + sqrt(c4)`` of log(S_T/S_0) (Fang & Oosterlee's range rule).

    Cumulants are central differences of K(s) = log E[exp(s X)] at s = 0, evaluated as the
    characteristic function at u = -i s: no long closed form to get wrong, and the range
    only needs to be roughly right. The fourth cumulant widens the range where the
    variance process makes the left tail heavy (Feller condition far from met).
    """
    h = 1e-2
    k = {j: heston_log_cf(np.array(-1j * j * h), maturity, drift, kappa, vbar, gamma, rho,
                          v0).real for j in (-2, -1, 1, 2)}
    k[0] = np.zeros_like(k[1])
    mean = (k[1] - k[-1]) / (2 * h)
    c2 = (-k[2] + 16 * k[1] - 30 * k[0] + 16 * k[-1] - k[-2]) / (12 * h**2)
    c4 = (k[2] - 4 * k[1] + 6 * k[0] - 4 * k[-1] + k[-2]) / h**4
    # integral of E[v_t] over the life: (1 - e^{-kappa T})/kappa -> T as kappa -> 0
    decay = np.where(kappa > 0, -np.expm1(-kappa * maturity) / np.where(kappa > 0, kappa, 1.0),
                     maturity)
    expected = vbar * maturity + (v0 - vbar) * decay
    spread = np.maximum(c2, 0.5 * expected) + np.sqrt(np.maximum(np.nan_to_num(c4), 0.0))
    return mean, spread


def heston_price(moneyness: ArrayLike, maturity: ArrayLike, rate: ArrayLike, *, kappa: ArrayLike,
                 vbar: ArrayLike, gamma: ArrayLike, rho: ArrayLike, v0: ArrayLike,
                 dividend: ArrayLike = 0.0, call: ArrayLike = True,
                 n_terms: int | None = None) -> np.ndarray:
    """Heston European option price in strike units (price / K) by the COS method.

    ``moneyness`` is S/K, ``maturity`` in years, ``rate`` and ``dividend`` continuous;
    ``kappa`` mean reversion, ``vbar`` long-run variance, ``gamma`` vol of vol, ``rho``
    spot–variance correlation, ``v0`` initial variance. All arguments broadcast.

    The closed parameter box is priced to its edges: ``kappa = 0`` (and ``gamma = 0`` with
    it) is the limit of small ``kappa``, ``maturity = 0`` the intrinsic value. Values the
    model does not take (``kappa``, ``vbar``, ``gamma``, ``v0`` or ``maturity`` below 0,
    ``|rho| > 1``, ``moneyness <= 0``, an infinity) raise ``ConfigError``; NaN gives NaN.

    >>> round(float(heston_price(1.0, 1.0, 0.02, kappa=0.0, vbar=0.04, gamma=0.3, rho=-0.5,
    ...                          v0=0.09)), 8)
    0.12243319
    """
    names = ("moneyness", "maturity", "rate", "kappa", "vbar", "gamma", "rho", "v0",
             "dividend", "call")
    arrays = _broadcast("heston_price", names, moneyness, maturity, rate, kappa, vbar, gamma,
                        rho, v0, dividend, call)
    _check_inputs("heston_price", dict(zip(names[:-1], arrays[:-1], strict=True)))
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    out = np.empty(flat[0].size)
    unconverged = np.zeros(flat[0].size, dtype=bool)
    # far-out cosine terms of a wide range underflow or overflow to 0 or inf harmlessly
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        for start in range(0, out.size, CHUNK_OPTIONS):
            block = [a[start:start + CHUNK_OPTIONS] for a in flat]
            out[start:start + CHUNK_OPTIONS], unconverged[start:start + CHUNK_OPTIONS] = \
                _heston_cos_block(*block, n_terms=n_terms)
    # NaN in, NaN out: the COS sums and the put-call parity turn a NaN parameter into the
    # intrinsic value or 0 (a plausible wrong price), so a row with any NaN input is NaN
    out[np.any([np.isnan(np.asarray(a, dtype=float)) for a in flat[:-1]], axis=0)] = np.nan
    unconverged &= ~np.isnan(out)
    if unconverged.any():
        first = int(np.flatnonzero(unconverged)[0])
        example = ", ".join(f"{name}={flat[j][first]:.4g}" for j, name in enumerate(names[:8]))
        warnings.warn(
            f"heston_price: {int(unconverged.sum())} of {out.size} option(s) did not converge "
            f"within {MAX_TERMS:,} cosine terms (e.g. {example}); their prices may be off by "
            "more than 1e-8 of strike: a log-price density this peaked over so wide a range "
            "(a long maturity, the Feller condition far from met) lies beyond what the "
            "reference was validated on.", FindeepWarning, stacklevel=2)
    return out.reshape(shape)


# the models' domain: each input's rule, as a test and in words (NaN passes: NaN in, NaN out)
_DOMAIN = {
    "moneyness": (lambda v: v > 0, "must be finite and > 0 (it is S/K)"),
    "maturity": (lambda v: v >= 0, "must be finite and >= 0 (years)"),
    "rate": (lambda v: v == v, "must be finite"),
    "kappa": (lambda v: v >= 0, "must be finite and >= 0 (speed of mean reversion)"),
    "vbar": (lambda v: v >= 0, "must be finite and >= 0 (a variance)"),
    "gamma": (lambda v: v >= 0, "must be finite and >= 0 (vol of vol; a sign belongs in rho)"),
    "rho": (lambda v: np.abs(v) <= 1, "must lie in [-1, 1] (a correlation)"),
    "v0": (lambda v: v >= 0, "must be finite and >= 0 (a variance)"),
    "dividend": (lambda v: v == v, "must be finite"),
    "volatility": (lambda v: v >= 0, "must be finite and >= 0 (a volatility)"),
}


def _check_inputs(who: str, values: dict[str, np.ndarray]) -> None:
    """Refuse, in one error naming each, inputs outside the model (``_DOMAIN``)."""
    problems = []
    for name, array in values.items():
        rule, wording = _DOMAIN[name]
        known = array[~np.isnan(array)]
        bad = known[~(np.isfinite(known) & rule(known))]
        if bad.size:
            where = f" (in {bad.size} of {array.size} options)" if array.size > 1 else ""
            problems.append(f"{name} {wording}, however: {name}={float(bad[0])!r}{where}")
    if problems:
        raise ConfigError(f"{who}: " + "; ".join(problems) + ".")


def _heston_cos_block(m: np.ndarray, tau: np.ndarray, r: np.ndarray, kappa: np.ndarray,
                      vbar: np.ndarray, gamma: np.ndarray, rho: np.ndarray, v0: np.ndarray,
                      q: np.ndarray, is_call: np.ndarray, *,
                      n_terms: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(prices, unconverged): ``n_terms`` fixed, or (None) per option as many as it needs."""
    drift = r - q
    mean, variance = _heston_cumulants(tau, drift, kappa, vbar, gamma, rho, v0)
    x = np.log(m)  # log(S/K)
    half = L_RANGE * np.sqrt(variance)
    a, b = x + mean - half, x + mean + half  # range of log(S_T/K)
    # the put's kink at log(S_T/K) = 0 lies inside the range, or the put is its limit: all
    # of the mass on one side of the strike (a zero maturity; a very short one far from it)
    kink_inside = (a < 0) & (b > 0)
    limit = np.where(b <= 0, np.exp(-r * tau) - m * np.exp(-q * tau), 0.0)
    margin = np.minimum(1e-3, half)  # a short maturity's range may be narrower than 1e-3
    a = np.minimum(a, -margin)
    b = np.maximum(b, margin)
    params = (x - a, a, b - a, tau, drift, kappa, vbar, gamma, rho, v0)
    unconverged = np.zeros(m.size, dtype=bool)
    if n_terms is not None:
        series = _cos_terms(params, 0, n_terms).sum(axis=1)
    else:
        # the first FIRST_TERMS terms for every option; then, while the last half of an
        # option's terms still adds up (in absolute value) to more than TAIL_TOLERANCE, its
        # next as many terms: the cosine series converges exponentially, so the terms
        # beyond N are far smaller than those between N/2 and N
        terms = _cos_terms(params, 0, FIRST_TERMS)
        series = terms.sum(axis=1)
        tail = np.abs(terms[:, FIRST_TERMS // 2:]).sum(axis=1)
        count = FIRST_TERMS
        open_ = np.flatnonzero(tail > TAIL_TOLERANCE)
        while open_.size and count < MAX_TERMS:
            more = np.empty(open_.size)
            rows_per_chunk = max(1, CHUNK_CELLS // count)  # same memory per pass
            for start in range(0, open_.size, rows_per_chunk):
                rows = open_[start:start + rows_per_chunk]
                terms = _cos_terms(tuple(p[rows] for p in params), count, 2 * count)
                series[rows] += terms.sum(axis=1)
                more[start:start + rows_per_chunk] = np.abs(terms).sum(axis=1)
            count *= 2
            open_ = open_[more > TAIL_TOLERANCE]
        unconverged[open_] = True
    put = np.exp(-r * tau) * series
    put = np.maximum(np.where(kink_inside, put, limit), 0.0)
    unconverged &= kink_inside
    call = put + m * np.exp(-q * tau) - np.exp(-r * tau)
    return np.where(is_call.astype(bool), call, put), unconverged


def _cos_terms(params: tuple[np.ndarray, ...], first: int, stop: int) -> np.ndarray:
    """The put's cosine terms ``k`` = first … stop-1, undiscounted: (n, stop - first).

    ``params`` are per option: x - a, a, b - a (the log-moneyness against the range
    [a, b] of log(S_T/K)), then maturity, drift and the Heston parameters.
    """
    x_minus_a, a, width, tau, drift, kappa, vbar, gamma, rho, v0 = (p[:, None] for p in params)
    k = np.arange(first, stop)[None, :]
    u = k * np.pi / width  # (n, N)
    log_cf = heston_log_cf(u, tau, drift, kappa, vbar, gamma, rho, v0)
    terms = np.exp(log_cf + 1j * u * x_minus_a).real  # (n, N)
    # put payoff (1 - e^y)^+ on [a, 0]: V_k = 2/(b-a) (psi_k(a, 0) - chi_k(a, 0))
    angle_0 = -u * a  # u (0 - a)
    chi = (np.cos(angle_0) - np.exp(a) + u * np.sin(angle_0)) / (1 + u**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        psi = np.where(k == 0, -a, np.sin(angle_0) / np.where(k == 0, 1.0, u))
    terms = terms * (2.0 / width * (psi - chi))
    if first == 0:
        terms[:, 0] *= 0.5
    return terms


def no_arbitrage_bounds(moneyness: ArrayLike, maturity: ArrayLike, rate: ArrayLike, *,
                        dividend: ArrayLike = 0.0, call: ArrayLike = True,
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) model-free bounds of a European option's price in strike units.

    With ``F = (S/K) e^{-q tau}`` and ``D = e^{-r tau}``: a call lies in
    ``[max(F - D, 0), F]`` (its discounted intrinsic value, and the discounted underlying),
    a put in ``[max(D - F, 0), D]`` (and the discounted strike). Any price outside admits
    a static arbitrage, whatever the model.
    """
    m, tau, r, q, is_call = _broadcast(
        "no_arbitrage_bounds", ("moneyness", "maturity", "rate", "dividend", "call"), moneyness,
        maturity, rate, dividend, call)
    forward = m * np.exp(-q * tau)
    discount = np.exp(-r * tau)
    is_call = is_call.astype(bool)
    lower = np.where(is_call, np.maximum(forward - discount, 0), np.maximum(discount - forward, 0))
    upper = np.where(is_call, forward, discount)
    return lower, upper


def implied_volatility(price: ArrayLike, moneyness: ArrayLike, maturity: ArrayLike,
                       rate: ArrayLike, *, dividend: ArrayLike = 0.0, call: ArrayLike = True,
                       tolerance: float = 1e-12, max_iterations: int = 100) -> np.ndarray:
    """Black–Scholes implied volatility of prices in strike units; NaN where none exists.

    In-the-money quotes are first turned into their out-of-the-money twin by put–call
    parity (the same volatility, but all of the price is time value, so the problem stays
    well conditioned). Then a safeguarded Newton: every iterate keeps a bracket
    ``[low, high]`` on which the price error changes sign; a Newton step that leaves the
    bracket (or a vega too small to trust) is replaced by bisection, so each option
    converges whatever its start. Prices outside the no-arbitrage bounds return NaN.
    """
    p, m, tau, r, q, is_call = _broadcast(
        "implied_volatility", ("price", "moneyness", "maturity", "rate", "dividend", "call"),
        price, moneyness, maturity, rate, dividend, call)
    shape = p.shape
    p, m, tau, r, q, is_call = (a.ravel() for a in (p, m, tau, r, q, is_call))
    is_call = is_call.astype(bool)
    forward = m * np.exp(-q * tau)
    discount = np.exp(-r * tau)
    lower, upper = no_arbitrage_bounds(m, tau, r, dividend=q, call=is_call)
    valid = (p > lower) & (p < upper) & (tau > 0)
    otm_call = forward <= discount
    parity = np.where(is_call, -1.0, 1.0) * (forward - discount)  # other side = p + parity
    target = np.where(is_call == otm_call, p, p + parity)  # the out-of-the-money price
    valid &= target > 0
    low = np.full(p.shape, 1e-8)
    high = np.full(p.shape, 10.0)
    with np.errstate(divide="ignore", invalid="ignore"):  # Brenner–Subrahmanyam start
        start = np.sqrt(2 * np.pi / tau) * target / np.maximum(forward, 1e-300)
    sigma = np.where(np.isfinite(start) & (start > 1e-3) & (start < 3), start, 0.3)
    active = valid.copy()
    with np.errstate(all="ignore"):
        for _ in range(max_iterations):
            if not active.any():
                break
            idx = np.flatnonzero(active)
            s = sigma[idx]
            error = bsm_price(m[idx], tau[idx], r[idx], s, dividend=q[idx],
                              call=otm_call[idx]) - target[idx]
            vega = bsm_vega(m[idx], tau[idx], r[idx], s, dividend=q[idx])
            above = error > 0
            high[idx] = np.where(above, s, high[idx])
            low[idx] = np.where(above, low[idx], s)
            newton = s - error / vega
            inside = np.isfinite(newton) & (newton > low[idx]) & (newton < high[idx])
            step = np.where(inside, newton, 0.5 * (low[idx] + high[idx]))
            done = (np.abs(error) <= tolerance * target[idx]) | (
                high[idx] - low[idx] <= 1e-15 * high[idx]) | (np.abs(step - s) <= 1e-15 * s)
            sigma[idx] = np.where(done, s, step)
            active[idx[done]] = False
    result = np.where(valid, sigma, np.nan)
    return result.reshape(shape)
