"""Run by test_files_interop_keras3.py in a fresh process: load files with the real Keras 3 and predict.

    KERAS_BACKEND=jax python keras3_check.py JOBS_JSON RESULTS_NPZ

JOBS_JSON holds {"jobs": [{"model": path, "inputs": [npy paths], "weights": optional .weights.h5,
"refusal_expected": optional bool}]}; the results file gets arrays "<job>_<output>", "keras_version" and
"backend", and for a job whose refusal was expected and happened, "<job>_refusal" (the error, as a string)
in place of outputs. Any other error ends the run.
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
        try:
            model = keras.models.load_model(job["model"], compile=False)
        except Exception as error:  # noqa: BLE001  (whatever Keras raises is the answer)
            if not job.get("refusal_expected"):
                raise
            results[f"{index}_refusal"] = np.array(f"{type(error).__name__}: {error}")
            continue
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
