import asyncio
import threading

from kernel.singleflight import SingleFlight


def test_concurrent_callers_share_one_run_and_the_flight_is_forgotten_when_it_lands():
    flights = SingleFlight[str, int]()
    runs = []

    async def work():
        runs.append(1)
        await asyncio.sleep(0.02)
        return len(runs)

    async def main():
        results = await asyncio.gather(*(flights.run("k", work) for _ in range(5)))
        assert flights.in_flight() == 0
        again = await flights.run("k", work)
        return results, again

    results, again = asyncio.run(main())
    assert results == [1] * 5 and again == 2


def test_each_event_loop_has_its_own_flights():
    flights = SingleFlight[str, str]()
    started = threading.Barrier(2)
    runs = []

    async def work():
        runs.append(threading.get_ident())
        await asyncio.sleep(0.05)
        return "done"

    def in_its_own_loop():
        started.wait()
        asyncio.run(flights.run("k", work))

    threads = [threading.Thread(target=in_its_own_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(runs)) == 2  # a task never crosses loops: each loop ran its own
