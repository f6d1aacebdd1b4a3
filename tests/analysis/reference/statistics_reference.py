#!/usr/bin/python3
"""Reference values for tests/analysis/statistics_test.cpp, computed independently of our C++.

Run from the repository root (needs Debian's python3-numpy and python3-scipy; numpy 1.24.2 and
scipy 1.10.1 produced the values hard-coded in the test):

    /usr/bin/python3 tests/analysis/reference/statistics_reference.py            # print values
    /usr/bin/python3 tests/analysis/reference/statistics_reference.py --write-data  # regenerate CSVs

Each printed line is `name value` with 17 significant digits; the test quotes the name next to
each hard-coded number. The C++ test never needs Python or scipy at run time.
"""
import math
import pathlib
import sys

import numpy as np
from scipy import stats

HERE = pathlib.Path(__file__).resolve().parent
FIRST_CSV = HERE / "lognormal_first.csv"
SECOND_CSV = HERE / "lognormal_second.csv"

# Small data sets, repeated verbatim in the C++ test.
MW_SMALL_X = [1, 2, 2, 3, 5, 7]
MW_SMALL_Y = [2, 3, 3, 4, 8, 9, 10]
WELCH_X = [19.1, 21.3, 18.7, 25.2, 22.8, 20.4, 23.9]
WELCH_Y = [15.2, 17.8, 16.1, 14.9, 19.3, 16.6, 15.8, 18.2, 17.0]
PAIRED_BASELINE = [52.1, 48.3, 55.7, 50.2, 49.8, 53.4, 51.1, 47.9, 54.6, 50.8, 52.9, 49.1]
PAIRED_GENOPS = [23.8, 22.1, 25.4, 24.0, 21.7, 23.3, 22.9, 21.5, 26.0, 23.1, 24.4, 22.6]
WILCOXON_EXACT = [1.83, -0.52, 2.71, 0.94, -1.26, 3.05, 0.38, 1.47, -0.11, 2.2]
WILCOXON_TIES = [3, -1, 0, 2, 2, -2, 5, 1, 0, 4, -3, 2, 6, 1, -1, 0, 3, 7, 2, -4, 1, 5, 3, 0, 2,
                 -2, 4, 1, 8, 3]
TABLES = {
    "doc": [[890, 110], [968, 32]],
    "tea": [[3, 1], [1, 3]],
    "small": [[12, 5], [3, 10]],
    "large": [[7800, 200], [7950, 50]],
}
HOLM_P = [0.01, 0.04, 0.03, 0.005, 0.5, 0.04]
NEWCOMBE_CASES = [(56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20),
                  (0, 10, 0, 10), (10, 10, 0, 20), (10, 10, 0, 10), (890, 1000, 968, 1000)]
WILSON_CASES = [(968, 1000), (0, 10), (10, 10), (81, 263), (15, 148)]
BOOTSTRAP_SEED = 12345
BOOTSTRAP_RESAMPLES = 200
BOOTSTRAP_CONFIDENCE = 0.9
BOOTSTRAP_PURPOSE = 0xB0075  # analysis/statistics.cpp kBootstrapPurpose

MASK = (1 << 64) - 1


def out(name, value):
    print(f"{name} {float(value):.17g}")


def write_data():
    # Cycle times in minutes rounded to 0.1 (so both samples hold ties), lognormal with medians
    # 52.8 and 23.4 as in docs/statistics.md §4, n = 800 per arm.
    rng = np.random.default_rng(20240504)
    first = rng.lognormal(math.log(52.8), 0.8, 800)
    second = rng.lognormal(math.log(23.4), 0.9, 800)
    FIRST_CSV.write_text("".join(f"{v:.1f}\n" for v in first))
    SECOND_CSV.write_text("".join(f"{v:.1f}\n" for v in second))


class Xoshiro:
    """engine::RngStream re-implemented: SplitMix64 seeding, xoshiro256** 1.0."""

    def __init__(self, seed):
        self.s = []
        for _ in range(4):
            seed = (seed + 0x9E3779B97F4A7C15) & MASK
            z = seed
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def below(self, bound):
        """engine::uniform_below: Lemire's multiply-shift with rejection."""
        product = self.next() * bound
        low = product & MASK
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK
        return product >> 64


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def stream_seed(master_seed, replication, partition, entity, purpose):
    """engine::stream_seed of a StreamKey."""
    h = splitmix64(master_seed)
    h = splitmix64(h ^ replication)
    h = splitmix64(h ^ ((partition << 32) | purpose))
    return splitmix64(h ^ entity)


def bootstrap_reference(first, second):
    # Resample i draws from its own stream, keyed by (seed, entity i, purpose 0xB0075).
    sorted_first, sorted_second = np.sort(first), np.sort(second)
    differences, relatives = [], []
    for i in range(BOOTSTRAP_RESAMPLES):
        rng = Xoshiro(stream_seed(BOOTSTRAP_SEED, 0, 0, i, BOOTSTRAP_PURPOSE))
        m1 = np.median(sorted_first[[rng.below(len(first)) for _ in range(len(first))]])
        m2 = np.median(sorted_second[[rng.below(len(second)) for _ in range(len(second))]])
        differences.append(m1 - m2)
        relatives.append((m1 - m2) / m1)
    alpha = 1 - BOOTSTRAP_CONFIDENCE
    out("bootstrap.difference", np.median(first) - np.median(second))
    out("bootstrap.difference_low", np.quantile(differences, alpha / 2))
    out("bootstrap.difference_high", np.quantile(differences, 1 - alpha / 2))
    out("bootstrap.relative_reduction", (np.median(first) - np.median(second)) / np.median(first))
    out("bootstrap.relative_low", np.quantile(relatives, alpha / 2))
    out("bootstrap.relative_high", np.quantile(relatives, 1 - alpha / 2))


def wilson(successes, trials, confidence=0.95):
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p = successes / trials
    denominator = 1 + z * z / trials
    center = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, center - half), min(1.0, center + half)


def newcombe(s1, n1, s2, n2):
    """Newcombe (1998) method 10 for p1 - p2."""
    l1, u1 = wilson(s1, n1)
    l2, u2 = wilson(s2, n2)
    p1, p2 = s1 / n1, s2 / n2
    return (p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2),
            p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))


def median_ci(sample, confidence=0.95):
    """Order-statistic CI by brute force over k with scipy's binomial CDF."""
    x = np.sort(sample)
    n = len(x)
    alpha = 1 - confidence
    best = 0
    for k in range(1, (n + 1) // 2 + 1):
        if 2 * stats.binom.cdf(k - 1, n, 0.5) <= alpha:
            best = k
    if best == 0:
        return x[0], x[-1], 1 - 2 * 0.5 ** n
    return x[best - 1], x[n - best], 1 - 2 * stats.binom.cdf(best - 1, n, 0.5)


def holm(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="stable")
    m = len(p)
    adjusted = np.empty(m)
    running = 0.0
    for position, index in enumerate(order):
        running = max(running, min(1.0, (m - position) * p[index]))
        adjusted[index] = running
    return adjusted


def main():
    if "--write-data" in sys.argv:
        write_data()
    first = np.loadtxt(FIRST_CSV)
    second = np.loadtxt(SECOND_CSV)

    out("descriptive.mean_first", np.mean(first))
    out("descriptive.variance_first", np.var(first, ddof=1))
    out("descriptive.median_first", np.median(first))
    out("descriptive.median_second", np.median(second))
    for p in (0.0, 0.1, 0.25, 0.9, 0.975, 1.0):
        out(f"descriptive.quantile_first[{p}]", np.quantile(first, p))

    low, high, coverage = median_ci(first)
    out("median_ci.first.low", low)
    out("median_ci.first.high", high)
    out("median_ci.first.coverage", coverage)

    for name, (x, y) in {"lognormal": (first, second), "small": (MW_SMALL_X, MW_SMALL_Y)}.items():
        result = stats.mannwhitneyu(x, y, method="asymptotic", use_continuity=True)
        u1 = result.statistic
        z = math.copysign(stats.norm.isf(result.pvalue / 2), u1 - len(x) * len(y) / 2)
        out(f"mann_whitney.{name}.u1", u1)
        out(f"mann_whitney.{name}.p", result.pvalue)
        out(f"mann_whitney.{name}.z", z)
        out(f"mann_whitney.{name}.a12", u1 / (len(x) * len(y)))
        out(f"hodges_lehmann.{name}", np.median(np.subtract.outer(np.asarray(x, float),
                                                                  np.asarray(y, float))))

    for name, (x, y) in {"lognormal": (first, second), "small": (WELCH_X, WELCH_Y)}.items():
        x, y = np.asarray(x), np.asarray(y)
        result = stats.ttest_ind(x, y, equal_var=False)
        v1, v2 = np.var(x, ddof=1) / len(x), np.var(y, ddof=1) / len(y)
        df = (v1 + v2) ** 2 / (v1 ** 2 / (len(x) - 1) + v2 ** 2 / (len(y) - 1))
        half = stats.t.ppf(0.975, df) * math.sqrt(v1 + v2)
        out(f"welch.{name}.t", result.statistic)
        out(f"welch.{name}.df", df)
        out(f"welch.{name}.p", result.pvalue)
        out(f"welch.{name}.ci_low", np.mean(x) - np.mean(y) - half)
        out(f"welch.{name}.ci_high", np.mean(x) - np.mean(y) + half)

    x, y = np.asarray(PAIRED_BASELINE), np.asarray(PAIRED_GENOPS)
    result = stats.ttest_rel(x, y)
    d = x - y
    half = stats.t.ppf(0.95, len(d) - 1) * np.std(d, ddof=1) / math.sqrt(len(d))  # 90 % CI
    out("paired.t", result.statistic)
    out("paired.p", result.pvalue)
    out("paired.ci90_low", np.mean(d) - half)
    out("paired.ci90_high", np.mean(d) + half)

    d = np.asarray(WILCOXON_EXACT)
    result = stats.wilcoxon(d, method="exact")
    ranks = stats.rankdata(np.abs(d))
    out("wilcoxon.exact.w_plus", ranks[d > 0].sum())
    out("wilcoxon.exact.statistic_min", result.statistic)
    out("wilcoxon.exact.p", result.pvalue)
    for zero_method in ("wilcox", "pratt"):
        result = stats.wilcoxon(WILCOXON_TIES, zero_method=zero_method, correction=True,
                                method="approx")
        d = np.asarray(WILCOXON_TIES, float)
        kept = d if zero_method == "pratt" else d[d != 0]
        ranks = stats.rankdata(np.abs(kept))
        out(f"wilcoxon.ties.{zero_method}.w_plus", ranks[kept > 0].sum())
        out(f"wilcoxon.ties.{zero_method}.w_minus", ranks[kept < 0].sum())
        out(f"wilcoxon.ties.{zero_method}.abs_z", abs(result.zstatistic))
        out(f"wilcoxon.ties.{zero_method}.p", result.pvalue)
    d = first[:40] - second[:40]
    result = stats.wilcoxon(d, correction=True, method="approx")
    out("wilcoxon.lognormal40.abs_z", abs(result.zstatistic))
    out("wilcoxon.lognormal40.p", result.pvalue)

    for name, table in TABLES.items():
        chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
        out(f"chi_square.{name}.statistic", chi2)
        out(f"chi_square.{name}.p", p)
        out(f"fisher.{name}.p", stats.fisher_exact(table).pvalue)

    for successes, trials in WILSON_CASES:
        low, high = wilson(successes, trials)
        out(f"wilson.{successes}/{trials}.low", low)
        out(f"wilson.{successes}/{trials}.high", high)
    low, high = wilson(968, 1000, 0.99)
    out("wilson.968/1000.99.low", low)
    out("wilson.968/1000.99.high", high)
    for s1, n1, s2, n2 in NEWCOMBE_CASES:
        low, high = newcombe(s1, n1, s2, n2)
        out(f"newcombe.{s1}/{n1}-{s2}/{n2}.low", low)
        out(f"newcombe.{s1}/{n1}-{s2}/{n2}.high", high)

    out("cohens_h.doc", 2 * math.asin(math.sqrt(0.968)) - 2 * math.asin(math.sqrt(0.89)))
    for index, value in enumerate(holm(HOLM_P)):
        out(f"holm[{index}]", value)

    bootstrap_reference(first, second)


if __name__ == "__main__":
    main()
