"""IpAddress and NotIpAddress (reference_policies_elements_condition_operators, "IP address
condition operators"): the policy value is an IPv4 or IPv6 address or CIDR range."""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence
from typing import Any

from .base import Family, OperatorFamily, OperatorSpec, negatable


@functools.lru_cache(maxsize=4096)
def parse_network(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


@functools.lru_cache(maxsize=4096)
def parse_address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


# Private address ranges: RFC 1918 and RFC 4193. aws:SourceIp never carries one: a call
# from inside a VPC through an endpoint carries aws:VpcSourceIp instead
# (reference_policies_condition-keys).
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def is_private_network(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """Inside 10/8, 172.16/12, 192.168/16 (RFC 1918) or fc00::/7 (RFC 4193)."""
    return any(
        network.version == p.version and network.subnet_of(p)  # type: ignore[arg-type]
        for p in _PRIVATE
    )


class IpFamily(OperatorFamily):
    family = Family.IP
    operators = (
        OperatorSpec("IpAddress", Family.IP, "ip", False),
        OperatorSpec("NotIpAddress", Family.IP, "ip", True),
    )
    value_words = "an IP address or CIDR range"

    def parse_policy(self, text: str) -> Any:
        return parse_network(text)

    def parse_request(self, value: str) -> Any:
        return parse_address(value)

    def matches(self, spec: OperatorSpec, value: str, policy: Any) -> bool:
        address = parse_address(value)
        return address is not None and address.version == policy.version and address in policy

    def requirement(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        return negatable("be in", spec.negated, values)

    def satisfying(self, spec: OperatorSpec, values: Sequence[str]) -> str:
        network = parse_network(super().satisfying(spec, values))
        if network is None:
            raise ValueError("not an address")
        return str(network.network_address)
