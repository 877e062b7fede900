"""The worker under cProfile, for `python -m benchmarks --only latency --profile`."""
from __future__ import annotations

import cProfile
import pstats
import threading
from types import SimpleNamespace


def profiled(path, run) -> None:
    """Run under cProfile (GRID_DISPATCH_PROFILE): the main thread (the Faust loop) and each
    thread started meanwhile (saving the views file, the store's checkpoints), merged into one
    pstats file written however `run` ends (Faust stops on SIGTERM by raising SystemExit)."""
    profiles = [cProfile.Profile()]

    def profile_this_thread(*_):
        profiles.append(cProfile.Profile())
        profiles[-1].enable()

    threading.setprofile(profile_this_thread)
    profiles[0].enable()
    try:
        run()
    finally:
        profiles[0].disable()
        threading.setprofile(None)
        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:  # threads may still run: snapshot, not disable
            profile.snapshot_stats()
            stats.add(SimpleNamespace(create_stats=lambda: None, stats=profile.stats))
        stats.dump_stats(path)
        print(f"profile of {len(profiles)} threads written to {path}", flush=True)
