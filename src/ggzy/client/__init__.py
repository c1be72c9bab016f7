"""The bidder-side client: holds a key and certificate, logs in, signs files (in place of the CA middleware)."""

from ggzy.client.api import ClientError, GgzyClient, Identity, load_identity

__all__ = ["ClientError", "GgzyClient", "Identity", "load_identity"]
