"""The access graph: who can assume what, who can become whom, and what each identity may do.

Pure Python, no Django. Build it from a :class:`GraphInput`::

    from iamlab.graph import build_graph
    graph = build_graph(graph_input)
    graph.nodes, graph.edges, graph.relations, graph.can_escalate
    graph.path(source_arn, target_arn)      # the shortest way, edge by edge
    graph.reachers(target_arn)              # who can end up with its permissions

and render it with :mod:`iamlab.graph.render` (JSON, DOT, SVG).
"""

from .build import build_graph
from .inputs import (
    AccountIn,
    GraphInput,
    GroupIn,
    InstanceIn,
    ManagedPolicyIn,
    PrincipalIn,
    ProfileIn,
    ProviderIn,
    ResourceIn,
    SessionIn,
    SsoGrantIn,
)
from .model import EDGE_KINDS, NODE_TYPES, RELATION_KINDS, AccessGraph, Edge, Node, Relation

__all__ = [
    "EDGE_KINDS",
    "NODE_TYPES",
    "RELATION_KINDS",
    "AccessGraph",
    "AccountIn",
    "Edge",
    "GraphInput",
    "GroupIn",
    "InstanceIn",
    "ManagedPolicyIn",
    "Node",
    "PrincipalIn",
    "ProfileIn",
    "ProviderIn",
    "Relation",
    "ResourceIn",
    "SessionIn",
    "SsoGrantIn",
    "build_graph",
]
