import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

BUNDLED_MODEL = ROOT / "models" / "addition-3digit"
TINY_CONFIG = dict(digits=2, training_size=4000, epochs=2, batch_size=128, seed=7)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A 2-digit model trained for seconds (far from accurate: for plumbing, not quality)."""
    from addition.config import FAST_RECIPE
    from addition.pipeline import train_and_save

    folder = tmp_path_factory.mktemp("tiny") / "model"
    config = FAST_RECIPE.replace(**TINY_CONFIG)
    result, saved, _ = train_and_save(config, folder, command="pytest tiny", whole_space_sample=1000)
    return result, saved


@pytest.fixture(scope="session")
def bundled():
    from addition.saving import load_model_folder

    return load_model_folder(BUNDLED_MODEL)
