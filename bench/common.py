"""Timing and table helpers shared by the benchmarks. Numbers are ratios measured in one run."""
import statistics
import time


def measure(fn, *, min_time=0.2, repeats=5, warmup=2):
    """Median seconds per call: `repeats` batches, each lasting at least `min_time`/repeats."""
    for _ in range(warmup):
        fn()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= min_time / repeats or calls >= 1 << 20:
            break
        calls *= 2
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - start) / calls)
    return statistics.median(samples)


def format_time(seconds):
    if seconds is None:
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def print_table(title, columns, rows):
    """Print a Markdown table (readable in a terminal and pasteable into RESULTS.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(columns) + " |")
    print("|" + "|".join("---" for _ in columns) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def ratio(ours, theirs):
    if ours is None or theirs is None:
        return "—"
    return f"{ours / theirs:.2f}x"
