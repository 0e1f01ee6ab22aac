"""What the kinds about one request share (decision, statement, layer; fix reads its policies
the same way): the policies by layer as the page shows them, the request, and the engine's
evaluation of it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from iamlab.policy import Evaluation, Policy, PolicyError, Request, RequestError, parse_policy

from ..fixing import LAYERS, layered
from .base import OptionsKind, Variant, VariantError, fill, fill_json

LABELS = {
    "identity": "Identity-based policy",
    "boundary": "Permissions boundary",
    "scp": "SCP",
    "resource": "Resource-based policy",
    "trust": "Trust policy of the role",
}
# What the engine names as the decider (Evaluation.decided_by, or the layer of the deciding
# Deny) -> the question's layer key. A trust policy is the role's resource-based policy.
DECIDERS = {
    "identity": "identity",
    "boundary": "boundary",
    "scp": "scp",
    "resource": "resource",
    "trust": "resource",
}


class RequestKind(OptionsKind):
    """A question about one request against the policies given: the engine evaluates it for
    each variant, and its explanation says why (with the answer, and for a wrong one)."""

    engine = True

    def variant(
        self,
        data: Mapping[str, Any],
        values: Mapping[str, str],
        seed: int,
        facts: Mapping[str, Any],
        prompt: str,
        explanation: str,
    ) -> Variant:
        policies, request, evaluation, sids = decide(data, values)
        # The answer line names the decision already; the reason says why.
        explanation = (explanation + " " if explanation else "") + evaluation.because
        return self.answer_of(data, prompt, explanation, policies, request, evaluation, sids)

    def answer_of(
        self,
        data: Mapping[str, Any],
        prompt: str,
        explanation: str,
        policies: tuple[tuple[str, str], ...],
        request: dict[str, Any],
        evaluation: Evaluation,
        sids: list[str],
    ) -> Variant:
        """The variant, once the engine has evaluated the request."""
        raise NotImplementedError


def layers(
    data: Mapping[str, Any], values: Mapping[str, str], *, need_identity: bool = True
) -> tuple[list[tuple[str, str]], dict[str, list[Policy]], list[str]]:
    """A question's ``policies``: as shown, parsed by layer, and the Sids of every
    statement, in order."""
    policies = data.get("policies", {} if not need_identity else None)
    if not isinstance(policies, dict) or (need_identity and "identity" not in policies):
        raise VariantError("policies needs at least identity (a list of documents)", ("policies",))
    names = data.get("labels", {})
    if not isinstance(names, dict):
        raise VariantError("labels maps a layer to the name of each of its policies", ("labels",))
    parsed: dict[str, list[Policy]] = {}
    shown: list[tuple[str, str]] = []
    sids: list[str] = []
    for layer, documents in policies.items():
        if layer not in LAYERS:
            raise VariantError(
                f"policies has identity, boundary, scp, resource or trust, not {layer}",
                ("policies", layer),
            )
        if not isinstance(documents, list):
            documents = [documents]
        named = names.get(layer)
        if named is not None and (
            not isinstance(named, list)
            or len(named) != len(documents)
            or not all(isinstance(n, str) and n.strip() for n in named)
        ):
            raise VariantError(
                f"labels.{layer} names each of the {len(documents)} {layer} policies, in order",
                ("labels", layer),
            )
        for i, document in enumerate(documents):
            label = LABELS[layer]
            if named is not None:
                label = fill(named[i], values)
            elif len(documents) > 1:
                label = f"{label} {i + 1}"
            # The engine names the policy as the page shows it: its explanations point there.
            policy, text = parse(document, values, layer, ("policies", layer, i), label)
            parsed.setdefault(layer, []).append(policy)
            sids.extend(st.sid or "" for st in policy.statements)
            shown.append((label, text))
    return shown, parsed, sids


def parse(
    document: Any,
    values: Mapping[str, str],
    layer: str,
    where: tuple[str | int, ...],
    name: str = "",
) -> tuple[Policy, str]:
    text = json.dumps(fill_json(document, values), indent=2)
    try:
        return parse_policy(text, LAYERS[layer], name=name or f"{layer} policy"), text
    except PolicyError as exc:
        raise VariantError(str(exc.findings[0].message), where) from exc


def request_of(request: Any, values: Mapping[str, str], where: tuple[str | int, ...]) -> Request:
    if not isinstance(request, dict):
        raise VariantError("a request has principal, action, resource and context", where)
    filled = fill_json(request, values)
    try:
        return Request(
            str(filled.get("principal", "")),
            str(filled.get("action", "")),
            str(filled.get("resource", "*")),
            filled.get("context") or {},
            # The account that owns the resource, where its ARN has none (an S3 bucket).
            resource_owner=str(filled["owner"]) if filled.get("owner") else None,
        )
    except RequestError as exc:
        raise VariantError(f"{exc.field}: {exc.message}", where) from exc


def decide(
    data: Mapping[str, Any], values: Mapping[str, str]
) -> tuple[tuple[tuple[str, str], ...], dict[str, Any], Evaluation, list[str]]:
    """The policies (as shown), the request, the engine's evaluation of it, and the Sids of
    every statement of the policies, in order."""
    shown, parsed, sids = layers(data, values)
    if not isinstance(data.get("request"), dict):
        raise VariantError(
            "request is required: principal, action, resource, context", ("request",)
        )
    req = request_of(data["request"], values, ("request",))
    evaluation = layered(parsed).evaluate(req)
    return tuple(shown), fill_json(data["request"], values), evaluation, sids


def the(label: str) -> str:
    """A policy's label in the middle of a sentence."""
    if label[:3] in ("SCP", "RCP") or label.startswith("An "):
        return label if label.startswith("An ") else f"the {label}"
    return f"the {label[:1].lower()}{label[1:]}"


def traces(evaluation: Evaluation) -> list[Any]:
    return [t for layer in evaluation.layers for t in layer.statements]
