"""Apache Kafka's broker jars, resolved from Maven Central with our pinned pom.xml.

The jars land in a cache folder keyed by the pom's content, so changing the pinned
version resolves a fresh set and an interrupted download is never taken for a whole one.
"""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

POM = Path(__file__).parent / "kafka" / "pom.xml"
LOG4J2_CONFIG = Path(__file__).parent / "kafka" / "log4j2.xml"


class KafkaJarsError(RuntimeError):
    pass


def kafka_version() -> str:
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", POM.read_text())
    if not match:
        raise KafkaJarsError(f"{POM}: no <kafka.version> property")
    return match.group(1)


def jars_dir(cache_root: Path) -> Path:
    digest = hashlib.sha256(POM.read_bytes()).hexdigest()[:12]
    return cache_root / f"kafka-{kafka_version()}-{digest}"


def ensure_kafka_jars(cache_root: Path, *, quiet: bool = True) -> Path:
    """Return the folder holding the broker's runtime classpath, fetching it if needed."""
    target = jars_dir(Path(cache_root).resolve())
    if (target / ".complete").exists():
        return target
    if shutil.which("mvn") is None:
        raise KafkaJarsError("Maven (mvn) is not on PATH; it is needed once to fetch the Kafka jars")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    command = [
        "mvn", "-B", "-f", str(POM),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={partial}",
    ]
    if quiet:
        command.insert(2, "-q")
    result = subprocess.run(command, capture_output=quiet, text=True)
    if result.returncode != 0:
        detail = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:]
        raise KafkaJarsError(f"fetching Kafka {kafka_version()} jars failed:\n{detail}")
    (partial / ".complete").write_text(kafka_version())
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target
