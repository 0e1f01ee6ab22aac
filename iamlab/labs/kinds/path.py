"""``path``: can X reach Y? Give the way. Any way through the access graph counts, step by
step (an admin's implied steps to its account's users and roles too), or "there is none"."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from iamlab.graph import Node, build_graph
from iamlab.graph import render as draw
from iamlab.sandbox.graphing import graph_input

from ..goals import _node
from . import register
from .base import (
    NOBODY,
    Found,
    Graded,
    Variant,
    combinations,
    fill,
    not_an_answer,
    options_by_label,
    variant_key,
)
from .worlds import WorldKind, shown_world, worked

if TYPE_CHECKING:
    from ..practice import Card
    from ..quiz import Question
    from ..worldquiz import Trial

MOST_PATH_STEPS = 8  # the places a path question's form has for the steps of a way
# The order of the choices: people first, then what they become.
_STEP_ORDER = {
    kind: i
    for i, kind in enumerate(
        ("root", "user", "group", "role", "provider", "sso_user", "service", "instance", "resource")
    )
}


class Path(WorldKind):
    name = "path"
    rank = 100
    template = "labs/kinds/path.html"
    on_card = frozenset({"path_slots", "picture", "start_label", "said_none"})

    def check_world(self, data: Mapping[str, Any]) -> list[Found]:
        return [
            (f"{key} is required: Account/user/name, Account/role/name, ...", (key,))
            for key in ("from", "to")
            if not isinstance(data.get(key), str) or not data[key]
        ]

    def work_out(self, question: Question, trial: Trial) -> dict[str, Any] | None:
        """The access graph's steps, every node a way can pass through, and for every
        variant its ends, one shortest way and the picture of it."""
        data = question.data
        world, sandbox = trial.world, trial.sandbox
        graph = build_graph(graph_input(world, sandbox))
        # Every step a way may take, as the way shown is worked out (AccessGraph.path): the
        # edges drawn and the implied ones of an admin to each principal of its account, which
        # the graph does not draw (an admin can give itself any user's keys or rewrite any
        # trust policy).
        way_edges = [e for node in graph.nodes for e in graph.edges_from(node)]
        edges = [(e.source, e.target, e.label) for e in way_edges]
        steps = {n for e in way_edges for n in (e.source, e.target)}
        variants = {}
        for values in combinations(data.get("vary", {})):
            trial.spend()
            ends = []
            for key in ("from", "to"):
                ref = fill(data[key], values)
                node = _node(world, sandbox, ref)
                if node is None:
                    trial.problem(
                        (key,), f"{ref} names nothing in the world (Account/user/name, ...)"
                    )
                    return None
                ends.append(node[0])
                steps.add(node[0])
            way = graph.path(ends[0], ends[1])
            # The picture shown with the answer: the world's graph, a shortest way drawn in it.
            picture = draw.dot(draw.view(graph, highlight_path=way or (), highlight_nodes=ends))
            variants[variant_key(values)] = {
                "from": ends[0],
                "to": ends[1],
                "example": [e.target for e in way] if way else [],
                "picture": picture,
            }
        # Every node a way can pass through is a choice: a way the learner cannot give would
        # be a question without an answer.
        nodes = sorted(
            (n for n in (graph.nodes.get(s) for s in steps) if n is not None),
            key=lambda n: (_STEP_ORDER.get(n.type, len(_STEP_ORDER)), n.label),
        )
        return {
            "nodes": [(n.id, _step_label(n)) for n in nodes],
            "edges": edges,
            "variants": variants,
        }

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        world = shown_world(facts)
        found = worked(facts, values)
        nodes = tuple((str(a), str(b)) for a, b in facts["nodes"])
        return Variant(
            prompt,
            nodes,
            False,
            answer=tuple(found["example"]) or (NOBODY,),
            explanation=explanation,
            ends=(str(found["from"]), str(found["to"])),
            edges=frozenset((str(a), str(b)) for a, b, *_ in facts["edges"]),
            world=world,
            picture=str(found.get("picture", "")),
        )

    def grade(self, variant: Variant, answer: list[str]) -> Graded:
        """Any way counts, step by step, from the question's start to its end; or "there is
        none"."""
        chosen = [a for a in answer if a]
        labels = dict(variant.options)
        if NOBODY in chosen:
            if len(chosen) > 1:
                return not_an_answer(
                    "Give a way, or say there is none, not both: that try was not counted."
                )
            right = variant.answer == (NOBODY,)
            return Graded(
                right, "Right: there is no way." if right else "Not quite: there is a way."
            )
        if not chosen:
            return not_an_answer(
                "Choose the first step of the way first: that try was not counted."
            )
        if not all(c in labels for c in chosen):
            return not_an_answer("Choose each step from the list: that try was not counted.")
        hops = [variant.ends[0], *chosen]
        for a, b in itertools.pairwise(hops):
            if (a, b) not in variant.edges:
                return Graded(
                    False,
                    f"Not quite: the access graph has no step from {labels.get(a, a)} to "
                    f"{labels.get(b, b)}.",
                )
        if hops[-1] != variant.ends[1]:
            end = labels.get(variant.ends[1], variant.ends[1])
            return Graded(False, f"Not quite: your way stops at {labels[hops[-1]]}, not at {end}.")
        return Graded(True, "Right: every step of your way is in the access graph.")

    def labels(self, variant: Variant, values: list[str] | tuple[str, ...]) -> list[str]:
        """The way from the start, each step by its label, joined by arrows."""
        if not variant.options:
            return [str(v) for v in values]
        if list(values) == [NOBODY]:
            return ["There is no way"]
        labels = dict(variant.options)
        names = [labels.get(variant.ends[0], variant.ends[0])]
        names += [labels.get(str(v), str(v)) for v in values if v]
        return [" → ".join(names)]

    def copied(self, variant: Variant) -> list[list[str]] | None:
        if variant.answer == (NOBODY,):
            return [[""] * MOST_PATH_STEPS + [NOBODY]]
        # The page names each step by its label, joined by arrows; a learner picks each one.
        by_label, label_of = options_by_label(variant), dict(variant.options)
        steps = [by_label.get(label_of.get(v, v), []) for v in variant.answer]
        chosen = [found[0] if len(found) == 1 else "" for found in steps]
        return [chosen + [""] * (MOST_PATH_STEPS - len(chosen))]

    def refuses_own_answer(self, variant: Variant) -> str | None:
        steps = [v for v in variant.answer if v != NOBODY]
        if len(steps) > MOST_PATH_STEPS:
            shown = "; ".join(variant.labels(variant.answer))
            return (
                f"the answer it shows ({shown}) has {len(steps)} steps, and the page has room "
                f"for {MOST_PATH_STEPS}"
            )
        return super().refuses_own_answer(variant)

    # -- what its template reads -------------------------------------------------------------------

    def path_slots(self, card: Card) -> list[tuple[int, str]]:
        """A place for each step of the way (room for the shortest way and one more), with
        what the learner last chose there."""
        last = [v for v in card.current if v != NOBODY]
        example = [] if card.variant.answer == (NOBODY,) else card.variant.answer
        count = min(MOST_PATH_STEPS, max(4, len(example) + 1, len(last)))
        return [(i + 1, last[i] if i < len(last) else "") for i in range(count)]

    def picture(self, card: Card) -> str:
        """The access graph as SVG, a shortest way drawn (Graphviz escapes every name in
        it); empty if Graphviz fails, the answer's words stand alone."""
        if not card.variant.picture:
            return ""
        try:
            return draw.svg(card.variant.picture)
        except draw.RenderError:
            return ""

    def start_label(self, card: Card) -> str:
        return dict(card.variant.options).get(card.variant.ends[0], card.variant.ends[0])

    def said_none(self, card: Card) -> bool:
        return NOBODY in card.current


def _step_label(node: Node) -> str:
    """``IAM user tom (333344445555)``: what a step is, and in which account."""
    text = (
        node.label if node.label.startswith(node.type_label) else f"{node.type_label} {node.label}"
    )
    return f"{text} ({node.account})" if node.account and node.account not in text else text


register(Path())
