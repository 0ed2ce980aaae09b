"""JSON output: exactly ``result.to_dict()``; sorted keys, ISO dates, byte-identical for the same inputs."""

from __future__ import annotations

import json
from typing import Any


def render_json(result: Any, *, explain: bool = False) -> str:
    """The explanation is always included in JSON (``explain`` only matters to text output)."""
    data = result.to_dict() if hasattr(result, "to_dict") else result
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
