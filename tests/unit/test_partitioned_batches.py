"""The relay's partitioner must place every key where Kafka's default partitioner does."""
import pytest
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as aiokafka_murmur2
from hypothesis import given, settings
from hypothesis import strategies as st

from infra.partitioned_batches import (
    murmur2,
    native_partition_for,
    partition_for,
    python_partition_for,
)


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
    assert python_partition_for(key, partitions) == DefaultPartitioner()(key, every, every)


def test_the_native_partitioner_is_the_one_used_where_built():
    assert native_partition_for is not None, "the native crate is not built (make .venv/.native-built)"
    assert partition_for is native_partition_for


@settings(max_examples=500)
@given(st.binary(max_size=80), st.integers(min_value=1, max_value=1000))
def test_the_native_partitioner_places_any_key_as_the_python_one(key, partitions):
    assert native_partition_for(key, partitions) == python_partition_for(key, partitions)


def test_the_native_partitioner_refuses_no_partitions_by_name():
    with pytest.raises(ValueError, match="partitions"):
        native_partition_for(b"key", 0)


def test_known_value_from_the_java_client():
    # Utils.murmur2("21".getBytes()) in the Java client's tests is -973932308.
    assert murmur2(b"21") == -973932308 & 0xFFFFFFFF
