"""At most so many of something per key in a sliding window, counted in a cache that every
process shares: failed sign-ins per account and per address, simulator runs per anonymous
address.

Each key has ``count`` slots, cache entries that live for the window and hold when they were
filled. Counting one more fills a free slot with ``cache.add``, which only one process can win
for a given slot (the database cache inserts under a unique key), so processes that count at
the same moment do not lose each other's counts. The key is full, and what it limits is
refused, while every slot is filled; it opens again when the oldest slot expires, which is when
the learner may try again.

The cache is ``settings.IAMLAB_THROTTLE_CACHE`` (a ``DatabaseCache`` by default: one table in
the site's own database, shared by every gunicorn worker, no extra service). A per-process
``LocMemCache`` would let each worker count on its own.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest

__all__ = ["Blocked", "Limit", "blocked", "clear", "client_address", "hit"]


@dataclass(frozen=True)
class Limit:
    """At most ``count`` per key in any ``window`` seconds."""

    name: str
    count: int
    window: int


@dataclass(frozen=True)
class Blocked:
    """A key that is full: nothing more until ``retry_after`` seconds have passed."""

    limit: Limit
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def when(self) -> str:
        """When to try again, in words: "in 14 minutes"."""
        return f"in {self.minutes} minute{'s' if self.minutes != 1 else ''}"


def _cache() -> BaseCache:
    return caches[settings.IAMLAB_THROTTLE_CACHE]


def _slots(limit: Limit, key: str) -> list[str]:
    digest = hashlib.sha256(f"{limit.name}\0{key}".encode()).hexdigest()[:40]
    return [f"throttle:{limit.name}:{digest}:{i}" for i in range(limit.count)]


def _blocked(limit: Limit, filled: dict[str, float], now: float) -> Blocked | None:
    live = [at for at in filled.values() if at + limit.window > now]
    if limit.count <= 0 or len(live) < limit.count:
        return None
    return Blocked(limit, max(1, math.ceil(min(live) + limit.window - now)))


def blocked(limit: Limit, key: str) -> Blocked | None:
    """Whether ``key`` is full now (one read of the cache)."""
    if limit.count <= 0:
        return None
    return _blocked(limit, _cache().get_many(_slots(limit, key)), time.time())


def hit(limit: Limit, key: str) -> Blocked | None:
    """Count one more for ``key``; if that fills it, how long it is now blocked."""
    if limit.count <= 0:
        return None
    cache = _cache()
    slots = _slots(limit, key)
    filled: dict[str, float] = cache.get_many(slots)
    now = time.time()
    for slot in slots:
        at = filled.get(slot)
        if at is not None and at + limit.window > now:
            continue
        if at is not None:  # its time is up though the cache still holds it
            cache.set(slot, now, timeout=limit.window)
        elif not cache.add(slot, now, timeout=limit.window):
            # Another process filled this slot a moment ago: note it, take the next.
            filled[slot] = cache.get(slot, now)
            continue
        filled[slot] = now
        break
    return _blocked(limit, filled, now)


def clear(limit: Limit, key: str) -> None:
    """Forget what was counted for ``key``."""
    _cache().delete_many(_slots(limit, key))


def client_address(request: HttpRequest) -> str:
    """The address a request came from: ``REMOTE_ADDR``, or behind
    ``settings.IAMLAB_PROXY_COUNT`` proxies that each append to ``X-Forwarded-For``, the
    address the first of them saw (any further left a client may have written itself).
    An IPv6 address stands for its /64, which one client commonly holds whole."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.IAMLAB_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)
