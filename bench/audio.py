"""Sound projects' speed as a person meets it: microphone-to-label latency of the live preview, and training on
4 classes x 60 s of sound.

- Latency: a thread stands in for PortAudio's callback, writing 20 ms blocks of the synthetic microphone's
  sounds into the microphone's RingBuffer on the clock (as MicrophoneSource's callback does); the preview
  loop polls the ring every 10 ms and pushes what arrived into SlidingWindowListener (1 s windows every
  0.5 s) with the real aiSFX extractor and a trained head. A window's latency runs from the moment the
  block holding its last sample was written to the moment its scores exist. A real device adds its own
  block (here 20 ms) before the callback runs; that is not in the number.
- Training: 60 s of each of 4 classes (background noise, tone, chirp, clicks) cut into 1 s windows
  overlapping by half (119 per class), embedded with aiSFX, then the head trained at the default settings
  (50 epochs, batch 16, validation 15%). In the app the embeddings are computed while samples arrive, so
  pressing Train costs only the head's part.

    python bench/audio.py [--backend cpu] [--quick]

The BLAS thread count is the app's (half the cores, main.py) unless the environment sets one.
"""
import argparse
import os
import statistics
import sys
import threading
import time

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, str(max(1, (os.cpu_count() or 2) // 2)))
del _variable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

CLASSES = 4
BLOCK_SECONDS = 0.02
POLL_SECONDS = 0.01
WINDOW_SECONDS, OVERLAP = 1.0, 0.5
TARGETS = {"latency_ms": 150.0}


def recordings(seconds_per_class, seed=0):
    """{class index: float32 signal}: the synthetic microphone's endless recording of each class."""
    from app.audio import SAMPLE_RATE
    from app.capture import class_sound
    return {index: class_sound(index, 0, int(seconds_per_class * SAMPLE_RATE), seed=seed) for index in range(CLASSES)}


def measure_training(seconds_per_class):
    """(project, extractor, history, embed seconds, head seconds) for 4 classes x `seconds_per_class`."""
    from app.audio import cut_windows
    from app.ml import AudioFeatureExtractor, compute_missing_embeddings, train_project
    from app.project import Project
    project = Project("bench: 4 sounds", kind="audio", window_seconds=WINDOW_SECONDS, overlap=OVERLAP,
                      starter_classes=False)
    for index, signal in recordings(seconds_per_class).items():
        info = project.add_class(["Background noise", "tone", "chirp", "clicks"][index], background=index == 0)
        for clip in cut_windows(signal, WINDOW_SECONDS, OVERLAP):
            project.add_sample(info.id, clip, source="synthetic")
    extractor = AudioFeatureExtractor(window_samples=project.window_samples)
    _ = extractor.model                                  # building the network is not training
    started = time.perf_counter()
    compute_missing_embeddings(project, extractor)
    embedded = time.perf_counter()
    history = train_project(project)
    return project, extractor, history, embedded - started, time.perf_counter() - embedded


def _fake_callback(ring, signal, sample_rate, written_at, stop):
    """Write `signal` into `ring` a block at a time, on the clock, noting when each block landed."""
    block = int(round(BLOCK_SECONDS * sample_rate))
    started = time.perf_counter()
    for index, start in enumerate(range(0, len(signal), block)):
        if stop.is_set():
            return
        delay = started + (index + 1) * BLOCK_SECONDS - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        ring.write(signal[start:start + block])
        written_at.append((start + block, time.perf_counter()))


def measure_latency(classifier, live_seconds):
    """Latencies (seconds) of every window scored while `live_seconds` of sound play, and the labels heard."""
    import numpy as np

    from app.audio import SAMPLE_RATE
    from app.capture import RingBuffer
    from app.ml import SlidingWindowListener
    pieces = recordings(live_seconds / CLASSES + 1, seed=7)
    signal = np.concatenate([pieces[index][:int(live_seconds / CLASSES * SAMPLE_RATE)] for index in range(CLASSES)])
    ring = RingBuffer(int(10 * SAMPLE_RATE))
    listener = SlidingWindowListener(classifier, WINDOW_SECONDS, WINDOW_SECONDS * (1 - OVERLAP))
    written_at, stop = [], threading.Event()
    writer = threading.Thread(target=_fake_callback, args=(ring, signal, SAMPLE_RATE, written_at, stop))
    latencies, heard = [], []
    writer.start()
    try:
        while writer.is_alive() or ring.written > listener.heard_seconds * SAMPLE_RATE:
            for _start, end, scores in listener.push(ring.read_new()):
                now = time.perf_counter()
                end_sample = int(round(end * SAMPLE_RATE))
                landed = next(at for position, at in list(written_at) if position >= end_sample)
                latencies.append(now - landed)
                heard.append(max(scores, key=scores.get))
            time.sleep(POLL_SECONDS)
    finally:
        stop.set()
        writer.join()
    return latencies, heard


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", default="cpu", help="engine backend (default cpu)")
    parser.add_argument("--quick", action="store_true", help="20 s per class and 8 s of live sound, not 60 and 20")
    args = parser.parse_args()
    seconds_per_class, live_seconds = (20.0, 8.0) if args.quick else (60.0, 20.0)
    import numpy as np

    import engine as tf
    from app.ml import project_classifier
    from bench.common import format_time, measure, print_table
    tf.set_backend(args.backend)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"Glimmer sound speed on {tf.get_backend()}: {os.cpu_count()} cores (load average {load} at the start), "
          f"{os.environ['OPENBLAS_NUM_THREADS']} BLAS thread(s), numpy {np.__version__}")
    project, extractor, history, embed_seconds, head_seconds = measure_training(seconds_per_class)
    classifier = project_classifier(project, extractor)
    one_window = np.zeros((1, project.window_samples), np.float32)
    predict_seconds = measure(lambda: classifier.predict(one_window), min_time=1.0, repeats=5, warmup=2)
    latencies, heard = measure_latency(classifier, live_seconds)
    windows = project.sample_count
    median, worst = statistics.median(latencies), max(latencies)
    p95 = float(np.percentile(latencies, 95))
    target = TARGETS["latency_ms"] / 1e3
    rows = [
        [f"Latency: microphone block written -> window scored (median of {len(latencies)} windows)",
         format_time(median), f"< {format_time(target)}", "yes" if median < target else "no"],
        ["Latency: 95th percentile / worst", f"{format_time(p95)} / {format_time(worst)}", f"< {format_time(target)}",
         "yes" if worst < target else "no"],
        ["One 1 s window: aiSFX + head (classifier.predict)", format_time(predict_seconds), "—", "—"],
        [f"Training: embed {windows} windows ({CLASSES} x {seconds_per_class:g} s) with aiSFX",
         format_time(embed_seconds), "—", "—"],
        [f"Training: head, {history['epochs']} epochs (what pressing Train costs)", format_time(head_seconds), "—",
         "—"],
        ["Training: total", format_time(embed_seconds + head_seconds), "—", "—"],
    ]
    print(f"- validation accuracy {history['val_accuracy'][-1]:.2f} on {history['validation_size']} windows; "
          f"live windows labelled: {', '.join(heard)}")
    print_table(f"Sound speed ({tf.get_backend()} backend)", ["measure", "result", "target", "met"], rows)


if __name__ == "__main__":
    main()
