"""The project's performance thresholds, which the report turns into met / not met verdicts.

They describe this project's goals on its reference machine, not promises of the package: they
live with the benchmark, and no verdict is given when other processes kept the cores busy
(:data:`BUSY_CORES_LIMIT`)."""

#: Other processes' busy cores (averaged over a round) above which a round counts as disturbed.
BUSY_CORES_LIMIT = 0.25
#: When more than this share of the rounds were disturbed, the figures are unreliable: no verdicts.
DISTURBED_SHARE_LIMIT = 1 / 3

#: Adam and AdamW, float32, one tensor: (size, optforge ÷ torch's fastest path at most,
#: % of the ceiling at least or None).
ADAM_SINGLE_TENSOR = (("1e3", 0.2, None), ("1e6", 0.8, 90), ("1e7", 0.92, 90))
ADAM_FAMILY = ("adam", "adamw")

#: The other optimizers, float32, 1e6 and 1e7: % of the ceiling at least, and optforge ÷ torch
#: at most (strictly below 1.0: faster than torch).
OTHERS_CEILING_PCT = 85
OTHERS_VS_TORCH = {"adadelta": 0.35, "rmsprop": 0.35, "nadam_t1": 0.35, "nadam_scheduled": 0.35}
OTHERS_VS_TORCH_DEFAULT = 1.0

#: Parameter lists: optforge ÷ torch fused at most, optforge ÷ the same elements in one flat buffer at most.
LIST_VS_TORCH = 0.9
LIST_VS_FLAT = 1.10

#: float64, 1e6 and 1e7: % of the float64 ceiling at least.
FLOAT64_CEILING_PCT = 90

#: Start-up, seconds.
IMPORT_S = 0.35
FIRST_STEP_S = 0.25
COLD_COMPILE_S = 0.6
REGENERATE_S = 60

#: --dropin: optforge.torch ÷ torch fused (foreach where fused does not exist) at most, per case.
DROPIN_VS_TORCH = {"resnet50 (161)": 0.90, "transformer (100)": 0.95, "mlp (6)": 0.5, "1000 x 1e3": 0.3,
                   "1e3": 0.5, "1e7": 1.0}
#: optforge.torch ÷ opt.step(grads) on NumPy arrays of the same shapes, at most.
DROPIN_VS_NUMPY_API = 1.10
#: optforge.torch ÷ DeepSpeed's CPU Adam, below (faster), where DeepSpeed is installed.
DROPIN_VS_DEEPSPEED = 1.0
