"""Score caches: the in-process LRU, a real redis-server on loopback, in-flight dedup."""

import asyncio
import shutil
import subprocess
import time

import pytest

from inference_common.cache import MemoryCache, RedisCache, SingleFlight


async def test_memory_cache_is_bounded_lru() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set_many({"a": 1, "b": 2})
    assert await cache.get_many(["a"]) == {"a": 1}  # a is now the most recent
    await cache.set_many({"c": 3})
    assert await cache.get_many(["a", "b", "c"]) == {"a": 1, "c": 3}
    assert len(cache) == 2


async def test_memory_cache_entries_expire_after_their_ttl() -> None:
    cache = MemoryCache(max_entries=10, ttl_seconds=0.05)
    await cache.set_many({"a": 1})
    assert await cache.get_many(["a"]) == {"a": 1}
    await asyncio.sleep(0.1)
    assert await cache.get_many(["a"]) == {}
    assert len(cache) == 0  # an expired entry is dropped, not kept until evicted
    forever = MemoryCache(max_entries=10)
    await forever.set_many({"a": 1})
    await asyncio.sleep(0.1)
    assert await forever.get_many(["a"]) == {"a": 1}


@pytest.fixture
def redis_url(unused_tcp_port_factory):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    port = unused_tcp_port_factory()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while (
        subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True
        ).stdout.strip()
        != "PONG"
    ):
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


async def test_redis_cache_round_trip(redis_url) -> None:
    writer = RedisCache(redis_url, ttl_seconds=60)
    await writer.set_many({"k1": {"score": {"prediction": True}}, "k2": [1, 2]})
    reader = RedisCache(redis_url)  # another replica sees the same scores
    assert await reader.get_many(["k1", "k2", "k3"]) == {
        "k1": {"score": {"prediction": True}},
        "k2": [1, 2],
    }
    await writer.close()
    await reader.close()


async def test_a_redis_that_is_down_is_a_miss_not_a_failure(unused_tcp_port_factory) -> None:
    cache = RedisCache(f"redis://127.0.0.1:{unused_tcp_port_factory()}/0", timeout=0.2)
    assert await cache.get_many(["k"]) == {}
    await cache.set_many({"k": 1})  # logged, not raised
    await cache.close()


async def test_single_flight_computes_once() -> None:
    flight = SingleFlight()
    calls: list[list[str]] = []

    async def compute(keys: list[str]) -> dict[str, int]:
        calls.append(keys)
        await asyncio.sleep(0.05)
        return {key: len(key) for key in keys}

    results = await asyncio.gather(*(flight.run_many(["aa", "bbb"], compute) for _ in range(20)))
    assert all(result == {"aa": 2, "bbb": 3} for result in results)
    assert calls == [["aa", "bbb"]]
    assert flight.running("aa") is None


async def test_single_flight_shares_failures_and_recovers() -> None:
    flight = SingleFlight()

    async def failing(keys: list[str]) -> dict[str, int]:
        await asyncio.sleep(0.02)
        raise RuntimeError("upstream down")

    results = await asyncio.gather(
        *(flight.run_many(["k"], failing) for _ in range(3)), return_exceptions=True
    )
    assert all(isinstance(result, RuntimeError) for result in results)

    async def working(keys: list[str]) -> dict[str, int]:
        return {"k": 1}

    assert await flight.run_many(["k"], working) == {"k": 1}


async def test_a_cancelled_caller_does_not_cancel_the_others() -> None:
    flight = SingleFlight()
    started = asyncio.Event()

    async def compute(keys: list[str]) -> dict[str, int]:
        started.set()
        await asyncio.sleep(0.05)
        return {key: 1 for key in keys}

    owner = asyncio.create_task(flight.run_many(["k"], compute))
    await started.wait()
    follower = asyncio.create_task(flight.run_many(["k"], compute))
    await asyncio.sleep(0)
    owner.cancel()
    assert await follower == {"k": 1}
    assert owner.cancelled()
    assert flight.running("k") is None
