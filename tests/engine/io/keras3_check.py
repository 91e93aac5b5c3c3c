"""Run by test_files_interop_keras3.py in a fresh process: load files with the real Keras 3 and predict.

    KERAS_BACKEND=jax python keras3_check.py JOBS_JSON RESULTS_NPZ

JOBS_JSON holds {"jobs": [{"model": path, "inputs": [npy paths], "weights": optional .weights.h5}]}; the
results file gets arrays "<job>_<output>" and "keras_version".
"""
import json
import sys

import keras
import numpy as np


def main(jobs_path, results_path):
    with open(jobs_path) as handle:
        jobs = json.load(handle)["jobs"]
    results = {"keras_version": np.array(keras.__version__), "backend": np.array(keras.backend.backend())}
    for index, job in enumerate(jobs):
        model = keras.models.load_model(job["model"], compile=False)
        if job.get("weights"):
            for variable in model.weights:
                variable.assign(np.zeros(variable.shape, variable.dtype))
            model.load_weights(job["weights"])
        inputs = [np.load(path) for path in job["inputs"]]
        outputs = model(inputs if len(inputs) > 1 else inputs[0], training=False)
        for position, output in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
            results[f"{index}_{position}"] = np.asarray(output)
    np.savez(results_path, **results)


if __name__ == "__main__":
    main(*sys.argv[1:])
