"""The lifecycle state machine as a picture: Mermaid or Graphviz DOT text.

Both are drawn from :data:`treatylife.lifecycle.STAGES` and :data:`~treatylife.lifecycle.TRANSITIONS`, the
declaration the engine's machine is built from, so the picture cannot drift from the code. Mermaid is
produced by ``transitions``' own diagram extension (``graph_engine="mermaid"``, which needs no Graphviz);
DOT is written directly from the same list (the ``graphviz`` backend would need the system Graphviz).
``transitions.extensions`` imports asyncio (~90 ms), so it is imported only here, when a diagram is asked.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from treatylife.answers.results import ResultBase

__all__ = ["DIAGRAM_FORMATS", "DiagramResult", "draw", "edges"]

DIAGRAM_FORMATS = ("mermaid", "dot")


@dataclass(frozen=True)
class DiagramResult(ResultBase):
    format: str
    text: str
    stages: list[str]
    transitions: list[dict[str, str]]  # one per (trigger, source, dest); dest == source for internal ones


def edges() -> list[dict[str, str]]:
    """Every (trigger, source, dest, condition) of the declaration, flattened; internal = same stage."""
    from treatylife.engine.lifecycle import STAGES, TRANSITIONS

    out = []
    for t in TRANSITIONS:
        sources = t["source"] if isinstance(t["source"], list) else [t["source"]]
        if sources == ["*"]:
            sources = list(STAGES)
        for src in sources:
            dest = t["dest"] if t["dest"] is not None else src
            cond = t.get("conditions")
            out.append(
                {
                    "trigger": t["trigger"],
                    "source": src,
                    "dest": dest,
                    "condition": ", ".join(cond) if isinstance(cond, list) else (cond or ""),
                    "internal": "yes" if t["dest"] is None else "",
                }
            )
    return out


def _mermaid() -> str:
    from transitions.extensions.diagrams import GraphMachine

    from treatylife.engine.lifecycle import STAGES, TRANSITIONS

    class _Model:
        pass

    model = _Model()
    GraphMachine(
        model=model,
        states=list(STAGES),
        transitions=copy.deepcopy(TRANSITIONS),
        initial="not_started",
        auto_transitions=False,
        graph_engine="mermaid",
        show_conditions=True,
        title="treatylife lifecycle",
    )
    text: str = model.get_graph().draw(None)  # type: ignore[attr-defined]
    # the extension marks the model's current stage as "active": a diagram of the rules has none
    return text.replace("Class not_started s_active", "Class not_started s_default").rstrip() + "\n"


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _dot() -> str:
    from treatylife.engine.lifecycle import FINAL, IN_FORCE, STAGES

    lines = [
        "digraph treatylife_lifecycle {",
        '  graph [label="treatylife lifecycle", labelloc=t, rankdir=LR];',
        '  node [shape=box, style="rounded,filled", fillcolor=white];',
        "  __start__ [shape=point];",
    ]
    for stage, desc in STAGES.items():
        fill = "#c8e6c9" if stage in IN_FORCE else "#ffcdd2" if stage in FINAL else "white"
        lines.append(f"  {stage} [label={_q(stage + chr(10) + desc)}, fillcolor={_q(fill)}];")
    lines.append("  __start__ -> not_started;")
    grouped: dict[tuple[str, str], list[str]] = {}
    for e in edges():
        label = (
            e["trigger"]
            + (" [internal]" if e["internal"] else "")
            + (f" [{e['condition']}]" if e["condition"] else "")
        )
        grouped.setdefault((e["source"], e["dest"]), []).append(label)
    for (src, dest), labels in grouped.items():
        style = ", style=dashed" if src == dest else ""
        lines.append(f"  {src} -> {dest} [label={_q(chr(10).join(labels))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw(fmt: str = "mermaid") -> DiagramResult:
    """The lifecycle diagram in ``fmt`` (mermaid or dot)."""
    from treatylife.engine.lifecycle import STAGES
    from treatylife.errors import InputError

    if fmt not in DIAGRAM_FORMATS:
        raise InputError(
            f"unknown diagram format {fmt!r}", field="--format", code="TL605", hint="mermaid or dot"
        )
    text = _mermaid() if fmt == "mermaid" else _dot()
    return DiagramResult(fmt, text, list(STAGES), edges())
