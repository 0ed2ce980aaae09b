"""Shared test settings."""

from __future__ import annotations

import os
import tempfile

# The CLI's start-up cache (treatylife.cli.cache) must not write to the user's cache directory during tests;
# subprocesses inherit this.
os.environ.setdefault("TREATYLIFE_CACHE_DIR", tempfile.mkdtemp(prefix="treatylife-test-cache-"))
