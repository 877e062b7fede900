"""Ask a Kafka cluster for its metadata: the readiness check for a broker we started."""
from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient


def metadata_answers(bootstrap: str, timeout: float = 2.0) -> bool:
    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
        try:
            await asyncio.wait_for(admin.start(), timeout)
            cluster = await asyncio.wait_for(admin.describe_cluster(), timeout)
            return bool(cluster.get("brokers"))
        except Exception:  # any failure means "not ready yet"
            return False
        finally:
            await admin.close()

    # aiokafka logs every refused connection while the broker boots; that is expected here.
    logger = logging.getLogger("aiokafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        return asyncio.run(probe())
    finally:
        logger.setLevel(level)
