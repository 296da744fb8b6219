"""Probabilistic customer lifetime value (CLV), as a pure NumPy/SciPy/Polars library.

- ``summary``: transaction log → per-customer frequency / recency / T / order value, and the
  calibration/holdout split;
- ``bgnbd``: BG/NBD (future purchases, P(alive), expected active time);
- ``gamma_gamma``: expected order value;
- ``clv``: predicted and historical CLV, the model card;
- ``calibration``: the holdout check behind the model card's error figure;
- ``simulate``: data drawn from the models, for tests and benchmarks.

No Django here: the app stores results (CustomerMetrics) elsewhere.
"""

from samphan.analytics.clv.bgnbd import BgNbdFit, BgNbdParams
from samphan.analytics.clv.calibration import HoldoutCheck, holdout_check
from samphan.analytics.clv.clv import customer_lifetime_value, historical_clv, model_card
from samphan.analytics.clv.gamma_gamma import GammaGammaFit, GammaGammaParams
from samphan.analytics.clv.summary import (
    CalibrationHoldout,
    RFMSummary,
    calibration_and_holdout,
    rfm_summary,
)

__all__ = [
    "BgNbdFit",
    "BgNbdParams",
    "CalibrationHoldout",
    "GammaGammaFit",
    "GammaGammaParams",
    "HoldoutCheck",
    "RFMSummary",
    "calibration_and_holdout",
    "customer_lifetime_value",
    "historical_clv",
    "holdout_check",
    "model_card",
    "rfm_summary",
]
