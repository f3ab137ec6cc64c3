"""Settings for the test suite: the production settings with ZHENGWU_TESTING=1."""

import os

os.environ["ZHENGWU_TESTING"] = "1"

from zhengwu.config.settings import *  # noqa: E402, F403
