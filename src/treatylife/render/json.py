"""JSON output: exactly ``result.to_dict()``; sorted keys, ISO dates, byte-identical for the same inputs.

Non-ASCII text stays readable; controls, lone surrogates and invisible format characters are ``\\uXXXX``
escapes (:func:`treatylife.render.escape.json_text`), which parse to the same strings."""

from __future__ import annotations

import json
from typing import Any


def render_json(result: Any, *, explain: bool = False) -> str:
    """The explanation is always included in JSON (``explain`` only matters to text output)."""
    from treatylife.render.escape import json_text

    data = result.to_dict() if hasattr(result, "to_dict") else result
    return json_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
