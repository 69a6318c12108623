"""Fixed-window counters in the cache: the API's per-token and per-user limits and the
password-reset limit per address. With several server processes CACHE_URL must point at a
shared cache (Redis); the default per-process memory cache counts each process apart."""

import time

from django.core.cache import cache


def count_hit(key: str, *, window_seconds: int) -> tuple[int, int]:
    """Count one hit for `key` in the current window; returns (hits in this window so far,
    seconds until the window ends)."""
    now = time.time()
    cache_key = f"rate:{key}:{window_seconds}:{int(now // window_seconds)}"
    # A few seconds past the window, so that a late incr never resurrects a dead counter.
    timeout = window_seconds + 10
    if cache.add(cache_key, 1, timeout=timeout):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.set(cache_key, 1, timeout=timeout)
            count = 1
    return count, window_seconds - int(now) % window_seconds
