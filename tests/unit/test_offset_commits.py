"""Background commits: one at a time, in order, the latest offsets, revoked partitions out."""
import asyncio

from aiokafka import TopicPartition

from infra.offset_commits import BackgroundCommits

P0, P1, P2 = (TopicPartition("t", n) for n in range(3))


class SlowConsumer:
    """Commits take a while; partition 2 was taken by a rebalance."""
    def __init__(self):
        self.commits, self.running = [], 0

    def assignment(self):
        return {P0, P1}

    async def commit(self, offsets):
        self.running += 1
        assert self.running == 1, "two commits at once"
        await asyncio.sleep(0.05)
        self.commits.append(dict(offsets))
        self.running -= 1


def test_offsets_offered_while_one_runs_go_with_the_next_and_close_flushes_them():
    consumer = SlowConsumer()

    async def main():
        commits = BackgroundCommits(consumer, "t")
        commits.offer({P0: 10, P2: 5})
        commits.offer({P0: 20})          # the first still runs: these wait
        commits.offer({P0: 30, P1: 7})   # merged, the latest per partition
        await commits.close()
    asyncio.run(main())
    assert consumer.commits == [{P0: 10}, {P0: 30, P1: 7}]
