"""Samphan's settings, plus a deliberately slow page, for the real-server tests."""

from samphan.settings import *  # noqa: F403

ROOT_URLCONF = "tests.web.serving.urls"
