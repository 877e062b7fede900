"""The relay's partitioner must place every key where Kafka's default partitioner does."""
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.partitioned_batches import murmur2, partition_for


@settings(max_examples=500)
@given(st.binary(max_size=80))
def test_murmur2_equals_aiokafkas(data):
    assert murmur2(data) == aiokafka_murmur2(data) & 0xFFFFFFFF


@settings(max_examples=300)
@given(st.uuids(), st.integers(min_value=1, max_value=64))
def test_incident_ids_land_on_the_default_partitioners_partition(incident_id, partitions):
    key = str(incident_id).encode()
    every = list(range(partitions))
    assert partition_for(key, partitions) == DefaultPartitioner()(key, every, every)


def test_known_value_from_the_java_client():
    # Utils.murmur2("21".getBytes()) in the Java client's tests is -973932308.
    assert murmur2(b"21") == -973932308 & 0xFFFFFFFF
