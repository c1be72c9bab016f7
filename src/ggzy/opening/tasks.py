"""Chronograph jobs of the opening: start sessions at the deadline, then move them on as windows end."""

from __future__ import annotations

from ggzy.kit.blobs import BlobStore
from ggzy.kit.chronograph import Job
from ggzy.kit.settings import Settings
from ggzy.kit.signing import PlatformKey
from ggzy.opening import service


def jobs(settings: Settings, key: PlatformKey) -> list[Job]:
    env = service.Env(BlobStore(settings.blob_dir), key, settings.data_dir / "tmp")
    return [
        Job("opening.start", service.due_sections, service.start),
        Job("opening.advance", service.due_openings, lambda s, item, now: service.advance(s, item, now, env=env)),
    ]
